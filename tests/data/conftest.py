"""Fixtures of the data tests: one small embedded-format dataset per session,
copies of it to break, and a real HTTP server on 127.0.0.1 for the download
client."""
import http.server
import io
import shutil
import threading
import zipfile

import pytest

from mml.datasets import EXPECTED_FILES
from mml.datasets.shapes import build

SMALL_TRAIN, SMALL_VAL = 120, 30


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory):
    """A complete dataset folder of SMALL_TRAIN train and SMALL_VAL val images,
    made by the same builder as the embedded dataset. Read-only: copy it to
    change it (broken_copy)."""
    return build(tmp_path_factory.mktemp("small") / "shapes", num_train=SMALL_TRAIN, num_val=SMALL_VAL)


@pytest.fixture
def broken_copy(small_dataset, tmp_path):
    """A fresh copy of the small dataset's files (not its images) to damage."""
    copy = tmp_path / "dataset"
    copy.mkdir()
    for name in EXPECTED_FILES:
        shutil.copy(small_dataset / name, copy / name)
    return copy


def make_archive(folder, top="coco_captioning"):
    """The bytes of a zip archive laid out like the cs231n one: top/<files>."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in EXPECTED_FILES:
            zf.write(folder / name, f"{top}/{name}")
    return buffer.getvalue()


class ArchiveServer:
    """Serves one payload at /coco_captioning.zip on 127.0.0.1.

    mode:
    - "range": honours "Range: bytes=N-" with 206 Partial Content
    - "norange": ignores Range, always 200 and the whole payload
    - "drop": the first `drops` responses announce the whole length but close
      the connection after `drop_after` bytes; later ones honour Range
    Every request's Range header (or None) is appended to self.ranges.
    """

    def __init__(self, payload, mode="range", drops=1, drop_after=None):
        self.payload, self.mode, self.drops = payload, mode, drops
        self.drop_after = drop_after if drop_after is not None else len(payload) // 2
        self.ranges = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):      # keep pytest output clean
                pass

            def do_GET(self):
                if self.path != "/coco_captioning.zip":
                    self.send_error(404)
                    return
                asked = self.headers.get("Range")
                server.ranges.append(asked)
                body, start = server.payload, 0
                if asked and server.mode != "norange":
                    start = int(asked.removeprefix("bytes=").partition("-")[0])
                if server.mode == "drop" and server.drops > 0:
                    server.drops -= 1
                    self.send_response(206 if start else 200)
                    if start:
                        self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                    self.send_header("Content-Length", str(len(body) - start))
                    self.end_headers()
                    self.wfile.write(body[start:start + server.drop_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.end_headers()
                    return
                if start:
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                self.wfile.write(body[start:])

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/coco_captioning.zip"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture(scope="session")
def archive(small_dataset):
    """The small dataset as a cs231n-style zip archive (bytes)."""
    return make_archive(small_dataset)


@pytest.fixture
def serve():
    """serve(payload, mode=..., ...) starts an ArchiveServer for this test
    and returns it (its .url, its .ranges log); it stops after the test."""
    servers = []

    def start(payload, **options):
        server = ArchiveServer(payload, **options).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def zip_of():
    """make_archive, for tests that archive a folder of their own."""
    return make_archive
