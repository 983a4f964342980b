"""Gunicorn hooks for metrics in multiprocess mode: ``gunicorn -c
python:lti_tool.observability.gunicorn_hooks wsgi:app`` (with ``PROMETHEUS_MULTIPROC_DIR`` set
to an empty folder). A worker that exits leaves its counters, but not its live gauges."""

from __future__ import annotations

import os
from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
