#!/usr/bin/env bash
# deploy/local-env.sh FILE [DB_NAME] [REDIS_URL] [PORT]: write an env file for a production stack on loopback
# (make run-prod, CI) unless FILE exists, and create its PostgreSQL database if missing. Keys are generated here.
set -euo pipefail
cd "$(dirname "$0")/.."
file="$1"; db="${2:-xinyu_prod}"; redis="${3:-redis://127.0.0.1:6379/1}"; port="${4:-8000}"
pg="${XINYU_PG:-postgres://postgres@127.0.0.1:5432}"
if [ ! -f "$file" ]; then
  mkdir -p "$(dirname "$file")"
  umask 077
  secret=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')
  key=$(.venv/bin/python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
  cat >"$file" <<ENV
DJANGO_SETTINGS_MODULE=xinyu.settings_prod
DJANGO_SECRET_KEY=$secret
DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
DATABASE_URL=$pg/$db
REDIS_URL=$redis
XINYU_DATA_KEYS=klocal:$key
XINYU_HTTPS=0
XINYU_SERVE_STATIC=1
XINYU_BIND=127.0.0.1:$port
XINYU_BASE_URL=http://127.0.0.1:$port
XINYU_WEB_WORKERS=${XINYU_WEB_WORKERS:-3}
XINYU_AUDIT_CHECKPOINT_FILE=$(pwd)/var/$db-audit-checkpoints.jsonl
XINYU_AUDIT_CHECKPOINT_KEY=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')
ENV
  echo "wrote $file (loopback only: XINYU_HTTPS=0)"
fi
if ! psql "$pg/postgres" -Atc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
  psql "$pg/postgres" -qc "create database \"$db\"" && echo "created database $db"
fi
