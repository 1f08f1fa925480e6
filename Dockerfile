# 标准馆: one image for the web server (gunicorn) and the task worker (db_worker).
#   docker build -t biaozhunguan .        (docker-compose.yml builds it for you)
# Settings come from the environment (portal/settings/production.py, README "Deployment").

# -- fonts: Noto Sans SC from npm (package-lock.json), for pages and PDF reports --------
FROM node:22-bookworm-slim AS fonts
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# -- the application ---------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    PRIVATE_MEDIA_ROOT=/data/private

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY --from=fonts /app/node_modules ./node_modules
COPY . .

# Static files (with the CJK font) collected into the image, hashed and compressed for
# WhiteNoise; the secret here only lets settings load, it is not the site's.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var /data/media /data/private \
    && chown -R app:app /app/var /data

USER app
EXPOSE 8000
# Uploads (public and private) and var/ (the catalogue's jieba dictionary) are volumes.
VOLUME ["/data/media", "/data/private", "/app/var"]
CMD ["gunicorn", "portal.wsgi"]
