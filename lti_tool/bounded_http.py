"""One HTTP exchange that ends by a deadline whatever the other side does.

``requests`` applies its timeout to each socket read, so a server that sends a byte every few
seconds holds the caller for as long as it likes. Here a timer shuts the socket down when the
deadline passes, during the headers as much as the body. For parties the tool has just been
pointed at (LTI Dynamic Registration), not for the platforms it already trusts.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from lti_tool.http import USER_AGENT


class ExchangeFailed(Exception):
    """``reason``: "unreachable" (no answer in time, or not HTTP) or "too_large"."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes


def exchange(
    method: str, url: str, *, headers: dict[str, str], body: bytes | None, seconds: float,
    limit: int,
) -> Answer:  # fmt: skip
    """``url`` must already be checked (absolute http(s), host as every parser reads it). No
    redirects are followed and no compressed answers accepted; at most ``limit`` bytes are read."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + seconds
    connection: http.client.HTTPConnection = (
        http.client.HTTPSConnection(parts.hostname or "", port, timeout=seconds,
                                    context=ssl.create_default_context())
        if secure
        else http.client.HTTPConnection(parts.hostname or "", port, timeout=seconds)
    )  # fmt: skip
    expired = threading.Event()
    timer: threading.Timer | None = None
    try:
        connection.connect()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ExchangeFailed("unreachable", "too slow")
        timer = threading.Timer(remaining, _cut, args=(connection.sock, expired))
        timer.daemon = True
        timer.start()
        connection.request(method, target, body=body, headers={
            "User-Agent": USER_AGENT, "Accept-Encoding": "identity", **headers})  # fmt: skip
        response = connection.getresponse()
        data = response.read(limit + 1)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise ExchangeFailed("unreachable", "too slow" if expired.is_set()
                             else type(exc).__name__) from exc  # fmt: skip
    finally:
        if timer is not None:
            timer.cancel()
        connection.close()
    if expired.is_set():  # the socket was cut: what was read may be a truncated answer
        raise ExchangeFailed("unreachable", "too slow")
    if len(data) > limit:
        raise ExchangeFailed("too_large")
    return Answer(response.status, data)


def _cut(sock: socket.socket | None, expired: threading.Event) -> None:
    expired.set()
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)
