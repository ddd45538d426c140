"""`mmolre data download` against a local HTTP server on 127.0.0.1 (no outside address is contacted)."""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import threading

import pytest

from mmolre.cli.main import main
from mmolre.data.dataset import DataError
from mmolre.data.download import DATASETS, SUMS_FILE, download, fetch, read_checksums, resolve_files

LABELS = "CMU_MOSI_Opinion_Labels.csd"
COVAREP = "CMU_MOSI_COVAREP.csd"


class Server:
    """Serves ``files`` (URL path -> bytes) with HTTP Range support that can be switched off."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.honour_range = True
        self.cut_after: int | None = None  # end the body early, as a dropped connection does
        self.requests: list[tuple[str, str | None]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                outer.requests.append((self.path, self.headers.get("Range")))
                body = outer.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                start, status = 0, 200
                rng = self.headers.get("Range")
                if rng and outer.honour_range:
                    start = int(re.match(r"bytes=(\d+)-", rng).group(1))
                    if start >= len(body):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(body)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    status = 206
                part = body[start:]
                self.send_response(status)
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                self.send_header("Content-Length", str(len(part)))
                self.end_headers()
                if outer.cut_after is not None:
                    part = part[: outer.cut_after]
                self.wfile.write(part)

            def log_message(self, *args):  # keep test output quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def server():
    labels = bytes(range(256)) * 300  # 76.8 kB
    covarep = b"covarep-bytes " * 5000
    srv = Server({"/CMU-MOSI/labels/" + LABELS: labels, "/CMU-MOSI/acoustic/" + COVAREP: covarep})
    yield srv
    srv.close()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_sdk_addresses_and_mirror():
    assert DATASETS["mosi"]["labels"] == (
        "http://immortal.multicomp.cs.cmu.edu/CMU-MOSI/labels/CMU_MOSI_Opinion_Labels.csd"
    )
    assert DATASETS["mosei"]["labels"].endswith("/CMU-MOSEI/labels/CMU_MOSEI_Labels.csd")
    urls = resolve_files("mosi", ["labels"], base_url="http://127.0.0.1:1/")
    assert urls == {"labels": "http://127.0.0.1:1/CMU-MOSI/labels/CMU_MOSI_Opinion_Labels.csd"}
    with pytest.raises(DataError, match="unknown file"):
        resolve_files("mosi", ["nope"])


def test_download_records_checksums(tmp_path, server):
    results = download("mosi", tmp_path, ["labels", "COVAREP"], base_url=server.url, show_progress=False)
    files = server.files
    assert (tmp_path / LABELS).read_bytes() == files["/CMU-MOSI/labels/" + LABELS]
    assert [r.status for r in results] == ["downloaded", "downloaded"]
    sums = read_checksums(tmp_path / SUMS_FILE)
    assert sums == {
        LABELS: sha(files["/CMU-MOSI/labels/" + LABELS]),
        COVAREP: sha(files["/CMU-MOSI/acoustic/" + COVAREP]),
    }
    # a second run finds the files present and matching the recorded sums: no request is made
    server.requests.clear()
    again = download("mosi", tmp_path, ["labels", "COVAREP"], base_url=server.url, show_progress=False)
    assert [r.status for r in again] == ["present", "present"] and server.requests == []


def test_partial_file_is_resumed_with_range(tmp_path, server):
    body = server.files["/CMU-MOSI/labels/" + LABELS]
    (tmp_path / (LABELS + ".part")).write_bytes(body[:30000])
    [result] = download(
        "mosi", tmp_path, ["labels"], base_url=server.url, show_progress=False, checksums={LABELS: sha(body)}
    )
    assert result.status == "resumed"
    assert server.requests[-1][1] == "bytes=30000-"
    assert (tmp_path / LABELS).read_bytes() == body
    assert not (tmp_path / (LABELS + ".part")).exists()


def test_dropped_connection_then_resume(tmp_path, server):
    body = server.files["/CMU-MOSI/labels/" + LABELS]
    url = server.url + "/CMU-MOSI/labels/" + LABELS
    server.cut_after = 10000
    with pytest.raises(DataError, match="run again to resume"):
        fetch(url, tmp_path / LABELS)
    assert (tmp_path / (LABELS + ".part")).stat().st_size == 10000
    assert not (tmp_path / LABELS).exists()
    server.cut_after = None
    result = fetch(url, tmp_path / LABELS, expected_sha256=sha(body))
    assert result.status == "resumed" and (tmp_path / LABELS).read_bytes() == body


def test_server_ignoring_range_restarts(tmp_path, server):
    body = server.files["/CMU-MOSI/labels/" + LABELS]
    (tmp_path / (LABELS + ".part")).write_bytes(b"garbage" * 100)
    server.honour_range = False
    result = fetch(server.url + "/CMU-MOSI/labels/" + LABELS, tmp_path / LABELS, expected_sha256=sha(body))
    assert result.status == "downloaded" and (tmp_path / LABELS).read_bytes() == body


def test_complete_part_file_answered_416(tmp_path, server):
    body = server.files["/CMU-MOSI/labels/" + LABELS]
    (tmp_path / (LABELS + ".part")).write_bytes(body)
    result = fetch(server.url + "/CMU-MOSI/labels/" + LABELS, tmp_path / LABELS, expected_sha256=sha(body))
    assert result.status == "resumed" and (tmp_path / LABELS).read_bytes() == body


def test_checksum_mismatch_deletes_download(tmp_path, server):
    manifest = tmp_path / "manifest.txt"
    manifest.write_text(f"{'0' * 64}  {LABELS}\n")
    with pytest.raises(DataError) as info:
        download(
            "mosi", tmp_path / "out", ["labels"], checksums=manifest, base_url=server.url, show_progress=False
        )
    assert "sha256 mismatch" in str(info.value) and LABELS in str(info.value)
    assert not (tmp_path / "out" / LABELS).exists() and not (tmp_path / "out" / (LABELS + ".part")).exists()


def test_http_error_is_one_line(tmp_path, server):
    with pytest.raises(DataError, match="HTTP 404"):
        fetch(server.url + "/missing.csd", tmp_path / "missing.csd")


def test_cli_download(tmp_path, server, capsys):
    body = server.files["/CMU-MOSI/labels/" + LABELS]
    manifest = tmp_path / "sums.json"
    manifest.write_text(json.dumps({LABELS: sha(body)}))
    out = tmp_path / "mosi"
    rc = main(
        [
            "data",
            "download",
            "mosi",
            "--out",
            str(out),
            "--files",
            "labels",
            "--base-url",
            server.url,
            "--checksums",
            str(manifest),
        ]
    )
    assert rc == 0
    assert sha(body) in capsys.readouterr().out
    assert read_checksums(out / SUMS_FILE) == {LABELS: sha(body)}
    manifest.write_text(json.dumps({LABELS: "f" * 64}))
    rc = main(
        [
            "data",
            "download",
            "mosi",
            "--out",
            str(tmp_path / "other"),
            "--files",
            "labels",
            "--base-url",
            server.url,
            "--checksums",
            str(manifest),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    errors = [line for line in err.splitlines() if "mmolre: error:" in line]  # beside the progress bar
    assert len(errors) == 1 and "sha256 mismatch" in errors[0] and LABELS in errors[0]
