# ClearRecord image for docker-compose: web (gunicorn) and worker (celery) share it.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CLEARRECORD_ENV=production
RUN useradd --create-home --uid 10001 clearrecord
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY --chown=clearrecord:clearrecord . .
# collectstatic needs settings that load; these throwaway values never reach a running container.
RUN DJANGO_SECRET_KEY=build-only-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
    DJANGO_ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput
USER clearrecord
EXPOSE 8000
