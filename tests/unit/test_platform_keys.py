"""A platform's key set URL may answer anything: the cache turns every bad answer into
PlatformKeyError (a 400 for the launch), never another exception."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lti_tool.lti.platform_keys import PlatformKeyCache
from lti_tool.lti.platform_keys import PlatformKeyError
from tests.support.fake_remote import Answer
from tests.support.fake_remote import fake_remote

ANSWERS: dict[str, Answer] = {
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


@pytest.fixture(scope="module")
def platform() -> Iterator[str]:
    with fake_remote(ANSWERS) as url:
        yield url


@pytest.mark.parametrize("path", sorted(ANSWERS))
def test_a_bad_key_set_is_a_platform_key_error(platform, path):
    cache = PlatformKeyCache(ttl=3600, min_refetch=0, timeout=5)
    with pytest.raises(PlatformKeyError):
        cache.key_for(platform + path, "any-kid")


def test_an_unreachable_key_set_is_a_platform_key_error():
    cache = PlatformKeyCache(ttl=3600, min_refetch=0, timeout=5)
    with pytest.raises(PlatformKeyError):
        cache.key_for("http://127.0.0.1:9/jwks.json", "any-kid")
