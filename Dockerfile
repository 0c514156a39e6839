# The example site in production form: granian (deploy/serve.sh), WhiteNoise for the admin's
# static files, settings from the environment (example_project/settings_production.py).
# compose.yaml runs it with PostgreSQL and Redis; README "Deploying to production".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# /keys: where the signing key lives, never in the image. compose.yaml's signing-key service
# writes it once into the signing-keys volume mounted there (this directory, owned by flex,
# seeds that volume's owner); FLEX_SIGNING_KEY_FILE names it.
RUN useradd --system --uid 10001 --home-dir /app --no-create-home flex \
    && install -d -m 700 -o flex -g flex /keys
WORKDIR /app

# The package with its serving extra first, so code edits do not reinstall the dependencies.
COPY pyproject.toml README.md LICENSE CHANGELOG.md MANIFEST.in ./
COPY flex_auth_django ./flex_auth_django
RUN pip install ".[serve]"

COPY manage.py ./
COPY example_project ./example_project
COPY deploy/serve.sh ./deploy/serve.sh

ENV DJANGO_SETTINGS_MODULE=example_project.settings_production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    PORT=8000
# Static files are collected into the image; the values below exist only for this build step
# (settings_production refuses to load without them) and are not in the image's environment.
# collectstatic reads no signing key, so that file need not exist (and none is made).
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/unused \
    REDIS_URL=redis://unused:6379/0 FLEX_ISSUER=https://unused.invalid FLEX_SIGNING_KEY_FILE=/keys/unused.pem \
    python manage.py collectstatic --noinput -v 0

USER flex
EXPOSE 8000
CMD ["deploy/serve.sh"]
