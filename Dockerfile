# camhealth: the monitor (and, with another command, the simulator) in a slim, non-root image.
#
#   docker build -t camhealth .
#   docker run --rm -p 127.0.0.1:9810:9810 camhealth run
#
# The dependencies come from uv.lock exactly (uv sync --frozen); no compiler is needed, since
# every dependency ships wheels (PyAV and OpenCV bundle their own FFmpeg).

FROM python:3.11-slim-bookworm AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir "uv==0.13.8"
WORKDIR /app
# Dependencies first, so changing the code does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project --no-editable
COPY camhealth ./camhealth
RUN uv sync --frozen --no-dev --no-editable

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/camhealth camhealth
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CAMHEALTH_EXPORTER__HOST=0.0.0.0
USER camhealth
WORKDIR /var/lib/camhealth
EXPOSE 9810
# /healthz of the exporter (camhealth/config.py ExporterConfig: port 9810). No curl in a slim
# image: Python's standard library asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:9810/healthz', timeout=4)"]
ENTRYPOINT ["camhealth"]
CMD ["run"]
