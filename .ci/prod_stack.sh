#!/usr/bin/env bash
# CI stage "production stack" (issue 9): the stack of deploy/run-stack.sh on loopback — PostgreSQL, a throwaway
# Redis on its own port, gunicorn, the alerts and bulk workers, beat — then tests/stack/check_stack.py (alert
# escalation through the processes, a browser smoke test, /metrics, /readyz while Redis is stopped and back), the
# screening-day load test with faults (tests/stack/loadtest.py: locust, gunicorn workers and the alerts worker
# SIGKILLed mid-run; nothing acknowledged may be lost), audit_verify over the audit trail the stack wrote, and the read-replica check on PostgreSQL. Everything it
# started is stopped on exit. Budget: under 3 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
# The stack reads its own env file; a database or Redis URL left in the environment by an earlier CI stage
# (the PostgreSQL suite exports DATABASE_URL) would win over it and point the stack at the wrong database.
unset DATABASE_URL DATABASE_REPLICA_URL REDIS_URL
ci_dir="$PWD/var/ci-prod-$$"
redis_port="${XINYU_CI_REDIS_PORT:-6391}"
web_port="${XINYU_CI_WEB_PORT:-8124}"
db="xinyu_ci_prod_$$"
pg="postgres://postgres@127.0.0.1:5432"
stack_pid=""

cleanup() {
  status=$?
  if [ -n "$stack_pid" ]; then kill -TERM "$stack_pid" 2>/dev/null || true; wait "$stack_pid" 2>/dev/null || true; fi
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  for d in $(psql "$pg/postgres" -Atc "select datname from pg_database where datname like '%${db}%'"); do
    psql "$pg/postgres" -qc "drop database if exists \"$d\"" >/dev/null 2>&1 || true
  done
  if [ "$status" -ne 0 ] && [ -d "$ci_dir/run" ]; then
    echo "== production stack logs (last lines)"; tail -n 15 "$ci_dir"/run/*.log "$ci_dir/stack.log" || true
  fi
  rm -rf "$ci_dir"
  exit "$status"
}
trap cleanup EXIT INT TERM

mkdir -p "$ci_dir"
.venv/bin/python tests/stack/check_stack.py --start-redis --base - --redis-port "$redis_port" \
  --redis-dir "$ci_dir/redis"
XINYU_WEB_WORKERS=2 deploy/local-env.sh "$ci_dir/prod.env" "$db" "redis://127.0.0.1:$redis_port/0" "$web_port"
cat >>"$ci_dir/prod.env" <<'ENV'
XINYU_ALERT_DEADLINES_JSON={"red": {"minutes": 0, "clock": "wall"}}
XINYU_OFF_HOURS_ALERT_MINUTES_JSON={"red": 0}
XINYU_ESCALATION_SECONDS=3
XINYU_HEARTBEAT_SECONDS=3
XINYU_HEARTBEAT_MAX_AGE=20
DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
ENV
echo "EMAIL_FILE_PATH=$ci_dir/mail" >>"$ci_dir/prod.env"  # the load test reads the e-mails the workers sent
export XINYU_ENV_FILE="$ci_dir/prod.env"
XINYU_RUN_DIR="$ci_dir/run" XINYU_SEED_STUDENTS=60 XINYU_RESTART=1 deploy/run-stack.sh >"$ci_dir/stack.log" 2>&1 &
stack_pid=$!

.venv/bin/python tests/stack/check_stack.py --base "http://127.0.0.1:$web_port" --redis-port "$redis_port" \
  --redis-dir "$ci_dir/redis"

echo "== screening-day load test with faults: 60 students, gunicorn workers and the alerts worker SIGKILLed (issue 8)"
.venv/bin/python tests/stack/loadtest.py --base "http://127.0.0.1:$web_port" --run-dir "$ci_dir/run" \
  --mail-dir "$ci_dir/mail" --students 60

echo "== audit_verify on the stack's own database: every event the stack's tests wrote chains unbroken (issue 8)"
DJANGO_SETTINGS_MODULE=xinyu.settings_prod .venv/bin/python manage.py audit_verify

echo "== read replica on PostgreSQL (a second connection; the test database mirrors the primary)"
DATABASE_URL="$pg/${db}_r" DATABASE_REPLICA_URL="$pg/${db}_r" XINYU_ENV_FILE=/nonexistent \
  .venv/bin/pytest -q -p no:xdist --create-db tests/stack/replica_check.py

echo "== production stack stage took $(( $(date +%s) - started )) s"
