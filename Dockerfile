# CONTEST Hub: a slim, non-root image serving web pages and API on port 8000.
# Run the worker from the same image with: docker run ... contest-hub worker
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY docs ./docs
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --quiet .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/app \
    CONTEST_ENV=production CONTEST_DATABASE_URL=sqlite:////data/contest-hub.db
RUN useradd --system --uid 10001 --home-dir /app contest && mkdir -p /data && chown contest /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY app ./app
COPY docs ./docs
COPY migrations ./migrations
USER contest
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
# CONTEST_SECRET_KEY must be supplied at run time (the app refuses to start in production without it).
CMD ["contest-hub", "serve", "--host", "0.0.0.0", "--port", "8000"]
