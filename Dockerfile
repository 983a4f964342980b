# The tool under gunicorn, as a non-root user. NOT BUILT on the machine where it was written
# (no container engine there): build it and check /health before relying on it (docs/deploy.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    LTI_TOOL_INSTANCE_PATH=/var/lib/lti-tool \
    PROMETHEUS_MULTIPROC_DIR=/tmp/lti-tool-metrics

WORKDIR /app
COPY . /src
# the wheel compiles the translations and carries templates, cases and migrations
RUN pip install '/src[postgres,redis,observability]' \
    && cp /src/wsgi.py /app/wsgi.py && rm -rf /src \
    && useradd --system --uid 10001 --home-dir /var/lib/lti-tool --create-home lti

USER lti
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"

# PROMETHEUS_MULTIPROC_DIR is emptied at each start; the hooks file sums gunicorn's workers
CMD ["sh", "-c", "rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec gunicorn -c python:lti_tool.observability.gunicorn_hooks -w ${WEB_CONCURRENCY:-4} -b 0.0.0.0:8000 wsgi:app"]
