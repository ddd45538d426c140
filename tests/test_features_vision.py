"""Vision features read per clip from OpenFace-style CSV and from NPY files."""

from __future__ import annotations

import numpy as np
import pytest

from mmolre.features.vision import VisionError, VisionReader, read_vision_file

OPENFACE_HEADER = "frame, face_id, timestamp, confidence, success, AU01_r, AU02_r, AU01_c, pose_Tx"


def write_openface(path, rows) -> None:
    lines = [OPENFACE_HEADER] + [", ".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")


def test_openface_csv_drops_bookkeeping_and_untracked_frames(tmp_path):
    path = tmp_path / "clip.csv"
    write_openface(
        path,
        [
            [1, 0, 0.0, 0.98, 1, 0.5, 1.0, 1, 3.0],
            [2, 0, 0.033, 0.1, 0, 9, 9, 9, 9],
            [3, 0, 0.066, 0.97, 1, 0.7, 1.2, 0, 3.5],
        ],
    )
    arr = read_vision_file(path)
    np.testing.assert_allclose(arr, [[0.5, 1.0, 1, 3.0], [0.7, 1.2, 0, 3.5]])
    np.testing.assert_allclose(read_vision_file(path, columns=r"AU\d+_r"), [[0.5, 1.0], [0.7, 1.2]])
    with pytest.raises(VisionError, match="no column"):
        read_vision_file(path, columns="gaze.*")


def test_npy_and_reader_layouts(tmp_path):
    (tmp_path / "v1").mkdir()
    np.save(tmp_path / "v1" / "1.npy", np.arange(12, dtype=np.float32).reshape(3, 4))
    np.save(tmp_path / "v1_2.npy", np.array([1.0, np.nan, 2.0, 3.0]))  # one frame, a NaN
    np.save(tmp_path / "v1_3.npy", np.zeros((2, 5)))
    reader = VisionReader(tmp_path)
    assert reader.probe([("v0", "9"), ("v1", "1")]) == 4
    assert reader.read("v1", "1").shape == (3, 4)
    np.testing.assert_array_equal(reader.read("v1", "2"), [[1.0, 0.0, 2.0, 3.0]])
    with pytest.raises(VisionError, match="other clips have 4"):
        reader.read("v1", "3")
    with pytest.raises(VisionError, match="no vision file"):
        reader.read("v9", "1")


def test_object_arrays_are_refused(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(VisionError, match="unreadable"):
        read_vision_file(tmp_path / "obj.npy")


def test_extract_vision_only_store(tmp_path):
    import pandas as pd

    from mmolre.data.store import load_store
    from mmolre.features.extract import extract_features

    rows = [("v1", str(c), "train" if c < 4 else ("valid" if c < 6 else "test")) for c in range(8)]
    table = pd.DataFrame(rows, columns=["video_id", "clip_id", "mode"]).assign(text="hi", label=0.5)
    table.to_csv(tmp_path / "label.csv", index=False)
    (tmp_path / "vis" / "v1").mkdir(parents=True)
    for _, clip, _ in rows[1:]:  # clip 0 has no file
        write_openface(
            tmp_path / "vis" / "v1" / f"{clip}.csv", [[1, 0, 0.0, 0.9, 1, 0.1, 0.2, 1, int(clip)]] * 3
        )
    result = extract_features(
        tmp_path / "label.csv",
        tmp_path / "store",
        text=False,
        vision_dir=tmp_path / "vis",
        vision_columns=r"AU.*|pose_Tx",
        source="demo",
        progress=False,
    )
    assert result.missing["vision"]["train"].keys() == {"v1$_$0"}
    splits = load_store(tmp_path / "store")
    assert splits["train"].ids == ["v1$_$1", "v1$_$2", "v1$_$3"]
    np.testing.assert_allclose(splits["test"].features["vision"][1], [[0.1, 0.2, 1, 7]] * 3)
