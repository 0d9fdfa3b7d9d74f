#!/usr/bin/env bash
# deploy/run-stack.sh: the production stack on this machine — gunicorn, the alerts worker, the bulk worker and
# Celery beat under xinyu.settings_prod — in the foreground; Ctrl-C (or TERM) stops all of it, and if any one
# process dies the others are stopped too. Used by `make run-prod` and the CI production stage.
#   XINYU_ENV_FILE=var/prod.env deploy/run-stack.sh   (DATABASE_URL, REDIS_URL, … in the file or environment)
# XINYU_RESTART=1: a Celery process that dies (a crash, SIGKILL) is started again after 2 s instead, as systemd's
# Restart=on-failure does in production (deploy/systemd); the load test's fault injector relies on it. gunicorn
# respawns its own workers. Each process's pid is in $XINYU_RUN_DIR/<name>.pid.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=xinyu.settings_prod
if [ -f "${XINYU_ENV_FILE:-/etc/xinyu/xinyu.env}" ]; then  # for gunicorn.conf.py too; the environment wins
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '' | '#'*) continue ;; esac
    key="${line%%=*}"; key="${key#export }"
    [ -z "${!key:-}" ] && export "$key=${line#*=}"
  done <"${XINYU_ENV_FILE:-/etc/xinyu/xinyu.env}"
fi
run_dir="${XINYU_RUN_DIR:-var/run-prod}"
mkdir -p "$run_dir" && run_dir="$(cd "$run_dir" && pwd)"
export PROMETHEUS_MULTIPROC_DIR="$run_dir/metrics"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
PY=.venv/bin/python
BIN=.venv/bin

$PY manage.py migrate --noinput >"$run_dir/migrate.log"
$PY manage.py collectstatic --noinput >/dev/null
if [ -n "${XINYU_SEED_STUDENTS:-}" ]; then
  $PY manage.py seed_demo --students "$XINYU_SEED_STUDENTS" --seed 1 --if-empty --not-production
  $PY manage.py rollup --full >"$run_dir/rollup.log"  # the supervision dashboards' figures at once
  $PY manage.py demo_logins
fi

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT INT TERM

# supervised NAME COMMAND…: run COMMAND (in a background subshell), its pid in $run_dir/NAME.pid; with
# XINYU_RESTART=1 start it again 2 s after it dies of anything but a clean exit or our TERM.
supervised() {
  local name=$1; shift
  if [ "${XINYU_RESTART:-0}" != 1 ]; then echo "$BASHPID" >"$run_dir/$name.pid"; exec "$@"; fi
  local child="" status
  trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null || true; exit 0' TERM INT
  while true; do
    "$@" &
    child=$!
    echo "$child" >"$run_dir/$name.pid"
    status=0; wait "$child" || status=$?
    [ "$status" -eq 0 ] && exit 0
    echo "xinyu stack: $name died (status $status); restarting it in 2 s" >&2
    sleep 2
  done
}

$BIN/gunicorn -c deploy/gunicorn.conf.py --pid "$run_dir/web.pid" "${XINYU_APP:-xinyu.wsgi:application}" \
  2>>"$run_dir/web.log" &
pids+=($!)
supervised worker-alerts $BIN/celery -A xinyu worker -Q alerts -n "alerts@%h" \
  --concurrency "${XINYU_ALERT_WORKERS:-1}" --loglevel INFO 2>>"$run_dir/worker-alerts.log" >&2 &
pids+=($!)
supervised worker-bulk $BIN/celery -A xinyu worker -Q default,bulk -n "bulk@%h" \
  --concurrency "${XINYU_BULK_WORKERS:-1}" --loglevel INFO 2>>"$run_dir/worker-bulk.log" >&2 &
pids+=($!)
supervised beat $BIN/celery -A xinyu beat --schedule "$run_dir/celerybeat-schedule" --loglevel INFO \
  2>>"$run_dir/beat.log" >&2 &
pids+=($!)
echo "xinyu stack: web ${XINYU_BIND:-127.0.0.1:8000}, workers alerts + default/bulk, beat (logs in $run_dir/)"
echo "$$" >"$run_dir/stack.pid"
wait -n "${pids[@]}" || true
echo "xinyu stack: a process exited; stopping the rest" >&2
exit 1
