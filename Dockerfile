# The MPP console image: Granian (web, WSGI), celery worker and celery beat all run from it.
# Build: docker build -t mpp .   Run the whole stack: docker compose up (see docker-compose.yml)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=console.settings.production \
    MEDIA_ROOT=/data/media

RUN groupadd --system --gid 10001 mpp \
    && useradd --system --uid 10001 --gid mpp --home-dir /app --shell /usr/sbin/nologin mpp

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected (and compressed, with a manifest) into the image. Production settings
# refuse to load without a key, hosts and an SMTP URL: these throwaway values exist only for this
# step (nothing is sent).
RUN SECRET_KEY="collectstatic-only-$(python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
    ALLOWED_HOSTS=build.invalid \
    EMAIL_URL=smtp://build.invalid \
    RUNTIME_SIGNING_KEY="$(python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
    python manage.py collectstatic --noinput \
    && mkdir -p /data/media \
    && chown -R mpp:mpp /data

USER mpp
EXPOSE 8000

# Migrations run once per deploy from the "migrate" service (docker-compose.yml), not here.
# Granian: HTTP parsing and keep-alive in Rust, one Python thread a process that takes one
# request at a time (--backpressure 1, like a sync worker); GRANIAN_WORKERS sets the processes
# (about 2 x cores + 1). docker-compose and bench/ run this CMD as it is.
# Behind a TLS proxy, Django reads X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER).
ENV GRANIAN_WORKERS=3
CMD ["granian", "--interface", "wsgi", "--host", "0.0.0.0", "--port", "8000", \
     "--blocking-threads", "1", "--backpressure", "1", "--no-ws", "--access-log", \
     "--respawn-failed-workers", "console.wsgi:application"]
