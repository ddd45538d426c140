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
