"""A connection that sends nothing must not hold the worker: with the shipped gunicorn.conf.py
(threaded workers) another client is still answered while idle connections stay open; with
gunicorn's default sync worker it is not (the contrast shows what the test would catch)."""

from __future__ import annotations

import socket
from contextlib import ExitStack

import pytest
import requests

from tests.support.served import free_port
from tests.support.served import gunicorn
from tests.support.served import tool_environment


@pytest.fixture
def environment(database_url, tmp_path, keys_dir):
    return tool_environment(database_url, tmp_path, keys_dir, "http://127.0.0.1",
                            "http://127.0.0.1", links=[])  # fmt: skip


def _idle(port: int, stack: ExitStack, count: int) -> None:
    """Browsers' pre-opened connections: connected, nothing sent."""
    for _ in range(count):
        sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def test_idle_connections_do_not_hold_the_only_worker(environment):
    port = free_port()
    with gunicorn(environment, port, "-w", "1"), ExitStack() as stack:
        _idle(port, stack, 3)
        for _ in range(5):  # each on a new connection, as other browsers
            answer = requests.get(f"http://127.0.0.1:{port}/health", timeout=10,
                                  headers={"Connection": "close"})  # fmt: skip
            assert answer.status_code == 200


def test_a_sync_worker_is_held_by_one_idle_connection(environment):
    port = free_port()
    with (
        gunicorn(environment, port, "-w", "1", "-k", "sync", "--threads", "1"),
        ExitStack() as stack,
    ):
        _idle(port, stack, 1)
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(f"http://127.0.0.1:{port}/health", timeout=3)
