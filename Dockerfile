# syntax=docker/dockerfile:1

# Hirewell production image. One image serves every app role of compose.yaml:
# web (gunicorn, the default command), worker and beat (celery) and the one-shot
# migrate service. Operator documentation: docs/deployment.md.
FROM python:3.11-slim-bookworm

LABEL org.opencontainers.image.title="Hirewell" \
      org.opencontainers.image.description="Hirewell applicant tracking system (Django)"

# PYTHONPATH=/app: the project is imported from the source tree in /app, next to
# templates/ and static/, whatever pip put into site-packages; ats.settings finds
# those directories relative to its own file.
# WEB_CONCURRENCY is gunicorn's default worker count; override it in .env.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=ats.settings \
    ATS_VAR_DIR=/var/lib/hirewell \
    WEB_CONCURRENCY=3

# libmagic1: python-magic sniffs every upload's content type at run time. Not
# pinned: Debian stable only takes security fixes; pin the base image instead.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1 \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user; its home is writable (gunicorn keeps its control socket
# there). /var/lib/hirewell is ATS_VAR_DIR; celerybeat/ under it is where the beat
# service mounts the volume for its schedule file (a new volume takes over this
# directory's ownership).
RUN groupadd --system --gid 10001 hirewell \
    && useradd --system --no-log-init --uid 10001 --gid hirewell \
        --create-home --home-dir /home/hirewell --shell /usr/sbin/nologin hirewell \
    && install -d -o hirewell -g hirewell -m 0750 /var/lib/hirewell /var/lib/hirewell/celerybeat

WORKDIR /app

# Dependencies first, in a layer of their own, so that a code change does not
# reinstall them. Dependencies declared as dynamic are installed by the next step.
COPY pyproject.toml ./
RUN python -c 'import tomllib; deps = tomllib.load(open("pyproject.toml", "rb")).get("project", {}).get("dependencies", []); open("/tmp/requirements.txt", "w").write("\n".join(deps) + "\n")' \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself. The code stays owned by root: the app user cannot change it.
COPY . .
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info \
    && python -m compileall -q /app

# Static files are collected into the image (STATIC_ROOT, under ATS_VAR_DIR) and
# served by WhiteNoise. Production settings refuse to load without a secret key,
# hosts and a keyring: the placeholders below (the keyring's key is 32 zero bytes)
# exist for this build step only and are not in the image's environment; the
# database URL is never connected to, it only keeps settings from creating SQLite.
RUN ATS_DEBUG=0 \
    ATS_SECRET_KEY=collectstatic-build-step-only-not-a-secret-0123456789abcdef \
    ATS_ALLOWED_HOSTS=localhost \
    ATS_KEYRING='{"active": "build", "keys": {"build": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}' \
    DATABASE_URL=postgres://build@127.0.0.1:5432/build \
    python manage.py collectstatic --noinput \
    && chown -R hirewell:hirewell /var/lib/hirewell

# Health check: GET /healthz on the local gunicorn, healthy only on HTTP 200 (the
# endpoint answers 503 when the database, storage, scanner or broker is down).
# It sends the first ATS_ALLOWED_HOSTS entry as Host, so that Django accepts the
# request, and X-Forwarded-Proto: https, as the TLS proxy in front would. It never
# follows a redirect: a redirect means a misconfiguration and counts as unhealthy.
COPY --chmod=0755 <<"EOF" /usr/local/bin/hirewell-healthcheck
#!/usr/bin/env python3
import http.client
import os
import sys

names = [n.strip() for n in os.environ.get("ATS_ALLOWED_HOSTS", "").split(",")]
names = [n.lstrip(".") for n in names if n and n != "*"]
host = names[0] if names else "localhost"
connection = http.client.HTTPConnection("127.0.0.1", 8000, timeout=8)
try:
    connection.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
    status = connection.getresponse().status
except OSError as error:
    print(f"/healthz unreachable: {error}")
    sys.exit(1)
print(f"/healthz answered HTTP {status}")
sys.exit(0 if status == 200 else 1)
EOF

USER 10001:10001

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["hirewell-healthcheck"]

# Sync workers behind a buffering reverse proxy (see docs/deployment.md); uploads
# are scanned and encrypted inside the request, hence the 60 s timeout. The access
# log leaves out query strings, client addresses, referrers and user agents: query
# strings can carry search terms such as a candidate's name.
CMD ["gunicorn", "ats.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--access-logfile", "-", \
     "--access-logformat", "%(t)s %(m)s %(U)s %(s)s %(B)s %(M)sms"]
