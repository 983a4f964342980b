"""A platform's key set URL may answer anything: the cache turns every bad answer into
PlatformKeyError (a 400 for the launch), never another exception. The platform here is a small
local HTTP server (a remote party we cannot run)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest

from lti_tool.lti.platform_keys import PlatformKeyCache
from lti_tool.lti.platform_keys import PlatformKeyError

ANSWERS: dict[str, tuple[int, dict[str, str], bytes]] = {
    "/list": (200, {}, b"[1, 2]"),
    "/string": (200, {}, b'"keys"'),
    "/null": (200, {}, b"null"),
    "/keys-not-a-list": (200, {}, b'{"keys": 5}'),
    "/not-json": (200, {}, b"<html>maintenance</html>"),
    "/not-utf8": (200, {}, b"\xff\xfe{}"),
    "/bad-gzip": (200, {"Content-Encoding": "gzip"}, b"this is not gzip at all"),
    "/server-error": (503, {}, b""),
    "/empty-set": (200, {}, b'{"keys": []}'),
}


class _Platform(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, headers, body = ANSWERS[self.path]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def platform() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Platform)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", sorted(ANSWERS))
def test_a_bad_key_set_is_a_platform_key_error(platform, path):
    cache = PlatformKeyCache(ttl=3600, min_refetch=0, timeout=5)
    with pytest.raises(PlatformKeyError):
        cache.key_for(platform + path, "any-kid")


def test_an_unreachable_key_set_is_a_platform_key_error():
    cache = PlatformKeyCache(ttl=3600, min_refetch=0, timeout=5)
    with pytest.raises(PlatformKeyError):
        cache.key_for("http://127.0.0.1:9/jwks.json", "any-kid")
