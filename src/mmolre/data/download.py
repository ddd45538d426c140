"""Download the official CMU-MultimodalSDK files of CMU-MOSI / CMU-MOSEI, resumably and verified.

The addresses are those the SDK publishes in
``mmsdk/mmdatasdk/dataset/standard_datasets/CMU_MOSI/cmu_mosi.py`` and ``.../CMU_MOSEI/cmu_mosei.py``
(CMU-MultiComp-Lab/CMU-MultimodalSDK). A partial file ``<name>.part`` is resumed with an HTTP Range
request; a server that ignores the range (answers 200) makes the download start over. After each file
its sha256 is checked against a manifest when one is given, and the sums of all files are recorded in
``SHA256SUMS`` (the ``sha256sum`` format) in the output folder, so a later download or a colleague's can
be checked against them. The SDK publishes no checksums of its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mmolre.data.dataset import DataError

log = logging.getLogger(__name__)

_SDK_HOST = "http://immortal.multicomp.cs.cmu.edu"
# name -> URL, as the SDK's standard_datasets modules list them (raw, highlevel and labels entries).
DATASETS: dict[str, dict[str, str]] = {
    "mosi": {
        "labels": f"{_SDK_HOST}/CMU-MOSI/labels/CMU_MOSI_Opinion_Labels.csd",
        "words": f"{_SDK_HOST}/CMU-MOSI/language/CMU_MOSI_TimestampedWords.csd",
        "phonemes": f"{_SDK_HOST}/CMU-MOSI/language/CMU_MOSI_TimestampedPhones.csd",
        "glove_vectors": f"{_SDK_HOST}/CMU-MOSI/language/CMU_MOSI_TimestampedWordVectors.csd",
        "COVAREP": f"{_SDK_HOST}/CMU-MOSI/acoustic/CMU_MOSI_COVAREP.csd",
        "OpenSMILE": f"{_SDK_HOST}/CMU-MOSI/acoustic/CMU_MOSI_openSMILE_IS09.csd",
        "OpenSmile-emobase2010": f"{_SDK_HOST}/CMU-MOSI/acoustic/CMU_MOSI_OpenSmile_EB10.csd",
        "FACET_4.1": f"{_SDK_HOST}/CMU-MOSI/visual/CMU_MOSI_Visual_Facet_41.csd",
        "FACET_4.2": f"{_SDK_HOST}/CMU-MOSI/visual/CMU_MOSI_Visual_Facet_42.csd",
        "OpenFace_1": f"{_SDK_HOST}/CMU-MOSI/visual/CMU_MOSI_Visual_OpenFace_1.csd",
        "OpenFace_2": f"{_SDK_HOST}/CMU-MOSI/visual/CMU_MOSI_Visual_OpenFace_2.csd",
    },
    "mosei": {
        "labels": f"{_SDK_HOST}/CMU-MOSEI/labels/CMU_MOSEI_Labels.csd",
        "words": f"{_SDK_HOST}/CMU-MOSEI/language/CMU_MOSEI_TimestampedWords.csd",
        "phones": f"{_SDK_HOST}/CMU-MOSEI/language/CMU_MOSEI_TimestampedPhones.csd",
        "glove_vectors": f"{_SDK_HOST}/CMU-MOSEI/language/CMU_MOSEI_TimestampedWordVectors.csd",
        "COVAREP": f"{_SDK_HOST}/CMU-MOSEI/acoustic/CMU_MOSEI_COVAREP.csd",
        "OpenFace_2": f"{_SDK_HOST}/CMU-MOSEI/visual/CMU_MOSEI_VisualOpenFace2.csd",
        "FACET_4.2": f"{_SDK_HOST}/CMU-MOSEI/visual/CMU_MOSEI_VisualFacet42.csd",
        "glove_vectors_with_sp": (
            f"{_SDK_HOST}/CMU-MOSEI/language/CMU_MOSEI_TimestampedGloveVectors_with_SP.csd"
        ),
    },
}
# What `mmolre data download` fetches by default, and which modality each feeds when read with kind csd.
DEFAULT_FILES: tuple[str, ...] = ("labels", "glove_vectors", "COVAREP", "FACET_4.2")
DEFAULT_MODALITY_FILES: dict[str, str] = {"text": "glove_vectors", "audio": "COVAREP", "vision": "FACET_4.2"}
SUMS_FILE = "SHA256SUMS"
_CHUNK = 1 << 20


@dataclass
class FileResult:
    name: str
    path: Path
    sha256: str
    size: int
    status: str  # "downloaded", "resumed", "present"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def read_checksums(path: str | Path) -> dict[str, str]:
    """File name -> sha256 from a ``sha256sum`` listing or a JSON object."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise DataError(f"{path}: cannot read checksum manifest ({exc})") from None
    if text.lstrip().startswith("{"):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: not valid JSON ({exc})") from None
        sums = {Path(k).name: str(v).lower() for k, v in raw.items()}
    else:
        sums = {}
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            m = re.fullmatch(r"([0-9a-fA-F]{64})\s+\*?(.+)", line.strip())
            if not m:
                raise DataError(f"{path}:{n}: expected '<sha256>  <file name>', got {line.strip()!r}")
            sums[Path(m.group(2)).name] = m.group(1).lower()
    bad = [k for k, v in sums.items() if not re.fullmatch(r"[0-9a-f]{64}", v)]
    if bad:
        raise DataError(f"{path}: entries {bad} are not 64 hex digit sha256 sums")
    return sums


def write_checksums(folder: Path, sums: Mapping[str, str]) -> Path:
    """Merge ``sums`` into ``folder/SHA256SUMS`` (sorted, ``sha256sum -c`` can check it)."""
    path = folder / SUMS_FILE
    existing = read_checksums(path) if path.is_file() else {}
    existing.update(sums)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text("".join(f"{v}  {k}\n" for k, v in sorted(existing.items())))
    os.replace(tmp, path)
    return path


def resolve_files(
    dataset: str, names: Sequence[str] | None = None, base_url: str | None = None
) -> dict[str, str]:
    """Name -> URL of the files to fetch; ``base_url`` replaces the SDK host (a mirror)."""
    if dataset not in DATASETS:
        raise DataError(f"unknown dataset {dataset!r}; choose from {sorted(DATASETS)}")
    table = DATASETS[dataset]
    names = list(names or DEFAULT_FILES)
    if names == ["all"]:
        names = list(table)
    unknown = [n for n in names if n not in table]
    if unknown:
        raise DataError(f"{dataset}: unknown file(s) {unknown}; known: {', '.join(table)}")
    urls = {n: table[n] for n in names}
    if base_url:
        urls = {n: base_url.rstrip("/") + u[len(_SDK_HOST) :] for n, u in urls.items()}
    return urls


def _open(url: str, offset: int, timeout: float):
    request = urllib.request.Request(url, headers={"User-Agent": "mmolre"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - http(s) URL from our table


def fetch(
    url: str,
    dest: Path,
    expected_sha256: str | None = None,
    timeout: float = 60.0,
    progress: Callable[[int, int | None], None] | None = None,
) -> FileResult:
    """Download ``url`` to ``dest`` via ``dest.part``, resuming a partial file; verify ``expected_sha256``.

    On a checksum mismatch the downloaded data is deleted and a `DataError` names file, expected and
    actual sums; ``dest`` is only ever created complete (by rename).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    offset = part.stat().st_size if part.is_file() else 0
    status = "resumed" if offset else "downloaded"
    try:
        try:
            response = _open(url, offset, timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and offset:
                # the server has nothing past our offset: the part file may already be whole
                total = _total_from_content_range(exc.headers.get("Content-Range", ""))
                if total is not None and total == offset:
                    return _finish(part, dest, url, expected_sha256, status)
                part.unlink()
                offset, status = 0, "downloaded"
                response = _open(url, 0, timeout)
            else:
                raise
        with response:
            code = getattr(response, "status", 200)
            if offset and code == 206:
                start = _start_from_content_range(response.headers.get("Content-Range", ""))
                if start != offset:
                    raise DataError(f"{url}: server resumed at byte {start}, asked for {offset}")
                mode = "ab"
            else:
                if offset:
                    log.info("%s: server ignored the range request; starting over", url)
                offset, status, mode = 0, "downloaded", "wb"
            length = response.headers.get("Content-Length")
            total = offset + int(length) if length is not None else None
            written = offset
            with open(part, mode) as f:
                while True:
                    block = response.read(_CHUNK)
                    if not block:
                        break
                    f.write(block)
                    written += len(block)
                    if progress:
                        progress(written, total)
            if total is not None and written != total:
                raise DataError(
                    f"{url}: connection ended after {written} of {total} bytes; run again to resume"
                )
    except urllib.error.HTTPError as exc:
        raise DataError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(f"{url}: cannot download ({reason}); run again to resume {part.name}") from None
    return _finish(part, dest, url, expected_sha256, status)


def _total_from_content_range(value: str) -> int | None:
    m = re.search(r"/(\d+)\s*$", value or "")
    return int(m.group(1)) if m else None


def _start_from_content_range(value: str) -> int | None:
    m = re.match(r"\s*bytes\s+(\d+)-", value or "")
    return int(m.group(1)) if m else None


def _finish(part: Path, dest: Path, url: str, expected: str | None, status: str) -> FileResult:
    digest = sha256_of(part)
    if expected and digest != expected.lower():
        part.unlink()
        raise DataError(
            f"{dest.name}: sha256 mismatch (expected {expected.lower()}, got {digest}); the download from "
            f"{url} was deleted"
        )
    size = part.stat().st_size
    os.replace(part, dest)
    return FileResult(name=dest.name, path=dest, sha256=digest, size=size, status=status)


def download(
    dataset: str,
    out_dir: str | Path,
    names: Sequence[str] | None = None,
    checksums: str | Path | Mapping[str, str] | None = None,
    base_url: str | None = None,
    force: bool = False,
    timeout: float = 60.0,
    show_progress: bool = True,
) -> list[FileResult]:
    """Fetch the SDK files of ``dataset`` into ``out_dir``; returns one `FileResult` per file.

    A file already present is checked against ``checksums`` (a manifest path or mapping) or, failing
    that, the folder's own ``SHA256SUMS``, and kept when it matches; ``force`` downloads it again.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    urls = resolve_files(dataset, names, base_url)
    expected = dict(read_checksums(checksums) if isinstance(checksums, (str, Path)) else (checksums or {}))
    recorded = read_checksums(out / SUMS_FILE) if (out / SUMS_FILE).is_file() else {}
    results = []
    for url in urls.values():
        filename = url.rsplit("/", 1)[-1]
        dest = out / filename
        want = expected.get(filename)
        if dest.is_file() and not force:
            digest = sha256_of(dest)
            known = want or recorded.get(filename)
            if known is None or digest == known:
                log.info("%s: present%s", dest, ", checksum ok" if known else " (no checksum to compare)")
                results.append(FileResult(filename, dest, digest, dest.stat().st_size, "present"))
                continue
            if want:
                log.warning("%s: present but its sha256 differs from the manifest; downloading again", dest)
            else:
                log.warning("%s: present but its sha256 differs from %s; downloading again", dest, SUMS_FILE)
            dest.unlink()
        results.append(fetch(url, dest, want, timeout, _progress_bar(filename) if show_progress else None))
        write_checksums(out, {r.name: r.sha256 for r in results})
    write_checksums(out, {r.name: r.sha256 for r in results})
    return results


def _progress_bar(name: str) -> Callable[[int, int | None], None]:
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int | None) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, initial=done, unit="B", unit_scale=True, desc=name, leave=False)
        bar.update(done - bar.n)
        if total is not None and done >= total:
            bar.close()

    return update
