"""gunicorn's settings for the tool in production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Threaded workers (``gthread``): a connection that has sent no request yet (a browser's
pre-opened connection, a slow or idle client) waits in the worker's poller, or holds one thread
for a few seconds at most, never the whole worker. With gunicorn's default ``sync`` workers one
such connection held one of two workers for the whole ``timeout`` (30 s) on a real Moodle
(issue 14); see docs/decisions.md and ``bench/idle_connection.py``.

Environment: ``GUNICORN_BIND`` (default ``127.0.0.1:8000``, behind your TLS proxy),
``WEB_CONCURRENCY`` (worker processes, default 2) and ``GUNICORN_THREADS`` (threads per worker,
default 8; each request holds at most one database connection, and the pool has 15 per worker).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
keepalive = 5  # seconds a kept-alive connection waits, in the poller, for its next request
timeout = 30  # a worker silent for this long (stuck, not idle) is restarted
graceful_timeout = 30
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# each worker creates the app after the fork, so threads it starts (the grade worker thread,
# OpenTelemetry's span processor when LTI_TOOL_TRACING is set) run in the worker
preload_app = False
