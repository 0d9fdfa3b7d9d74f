#!/usr/bin/env bash
# CI stage "behind nginx" (issue 9): the install steps of docs/deploy.md on this machine, as far as a machine
# without systemd as PID 1 allows — Debian's nginx with the shipped site (deploy/nginx/xinyu.conf, only ports,
# names and paths rewritten), a self-signed certificate, gunicorn from deploy/gunicorn.conf.py under
# xinyu.settings_prod with HTTPS on, `check --deploy`, migrate and collectstatic — then what a user and the
# monitoring see through nginx: the HTTP→HTTPS redirect, HSTS and secure cookies, static files with caching, the
# upload limit, /metrics refused, the request id passed through. The systemd units are checked with
# `systemd-analyze verify` (paths rewritten to this checkout). Everything started is stopped on exit. ~20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
dir="$root/var/ci-nginx-$$"
db="xinyu_ci_nginx_$$"
pg="postgres://postgres@127.0.0.1:5432"
web_port="${XINYU_CI_NGINX_WEB_PORT:-8131}"
http_port="${XINYU_CI_NGINX_HTTP_PORT:-8132}"
https_port="${XINYU_CI_NGINX_HTTPS_PORT:-8133}"
host="xinyu.test"
gunicorn_pid=""

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "== installing Debian's nginx (docs/deploy.md: apt-get install nginx)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  /usr/sbin/nginx -s stop 2>/dev/null || true  # the package starts one on port 80; ours runs on its own ports
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cleanup() {
  status=$?
  [ -f "$dir/nginx.pid" ] && "$NGINX" -p "$dir" -c "$dir/nginx.conf" -s stop 2>/dev/null || true
  if [ -n "$gunicorn_pid" ]; then kill -TERM "$gunicorn_pid" 2>/dev/null || true; wait "$gunicorn_pid" 2>/dev/null || true; fi
  psql "$pg/postgres" -qc "drop database if exists \"$db\"" >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ]; then
    echo "== logs (last lines)"; tail -n 20 "$dir"/*.log 2>/dev/null || true
  fi
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT INT TERM
mkdir -p "$dir/ssl" "$dir/static" "$dir/media" "$dir/logs"

echo "== env file, database, keys (deploy/local-env.sh), with HTTPS on as behind real nginx"
deploy/local-env.sh "$dir/xinyu.env" "$db" "redis://127.0.0.1:6379/9" "$web_port" >/dev/null
sed -i -e 's/^XINYU_HTTPS=0/XINYU_HTTPS=1/' -e 's/^XINYU_SERVE_STATIC=1/XINYU_SERVE_STATIC=0/' \
  -e "s/^DJANGO_ALLOWED_HOSTS=.*/DJANGO_ALLOWED_HOSTS=$host,127.0.0.1/" \
  -e "s|^XINYU_BASE_URL=.*|XINYU_BASE_URL=https://$host|" "$dir/xinyu.env"
printf 'XINYU_STATIC_ROOT=%s\nXINYU_MEDIA_ROOT=%s\nXINYU_WEB_WORKERS=2\n' "$dir/static" "$dir/media" >>"$dir/xinyu.env"
set -a; . "$dir/xinyu.env"; set +a
.venv/bin/python manage.py check --deploy --fail-level WARNING
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py collectstatic --noinput >/dev/null

echo "== gunicorn (deploy/gunicorn.conf.py) on 127.0.0.1:$web_port"
.venv/bin/gunicorn -c deploy/gunicorn.conf.py xinyu.wsgi:application >"$dir/gunicorn.log" 2>&1 &
gunicorn_pid=$!

echo "== nginx with deploy/nginx/xinyu.conf (ports, names and paths rewritten) and a self-signed certificate"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
  -keyout "$dir/ssl/privkey.pem" -out "$dir/ssl/fullchain.pem" 2>/dev/null
sed -e "s|127.0.0.1:8000|127.0.0.1:$web_port|" \
    -e "s|listen 80;|listen 127.0.0.1:$http_port;|" -e "/listen \[::\]:80;/d" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$https_port ssl http2;|" -e "/listen \[::\]:443/d" \
    -e "s|server_name xinyu.example.edu.cn;|server_name $host;|" \
    -e "s|/etc/ssl/xinyu/|$dir/ssl/|" -e "s|/srv/xinyu/static/|$dir/static/|" \
    -e "s|/var/log/nginx/|$dir/logs/|" \
    -e "s|return 301 https://\$host\$request_uri;|return 301 https://\$host:$https_port\$request_uri;|" \
    deploy/nginx/xinyu.conf >"$dir/site.conf"
cat >"$dir/nginx.conf" <<CONF
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
    include $dir/site.conf;
}
CONF
"$NGINX" -p "$dir" -c "$dir/nginx.conf" -t 2>&1 | grep -v "^nginx: \[warn\]" || true
"$NGINX" -p "$dir" -c "$dir/nginx.conf"

curl_() { curl -sS --resolve "$host:$https_port:127.0.0.1" --resolve "$host:$http_port:127.0.0.1" --cacert "$dir/ssl/fullchain.pem" "$@"; }
for _ in $(seq 120); do curl_ -f -o /dev/null "https://$host:$https_port/healthz" 2>/dev/null && break; sleep 0.5; done

fail() { echo "FAILED: $*"; exit 1; }
check() { echo "  ok: $*"; }

code=$(curl_ -o /dev/null -w '%{http_code} %{redirect_url}' "http://$host:$http_port/login/")
[[ "$code" == "301 https://$host:$https_port/login/" ]] || fail "plain HTTP should redirect to HTTPS, got $code"
check "plain HTTP is redirected to HTTPS"

headers=$(curl_ -D - -o /dev/null "https://$host:$https_port/login/")
grep -qi '^HTTP/2 200' <<<"$headers" || fail "the login page over HTTP/2 and TLS: $(head -1 <<<"$headers")"
grep -qi '^strict-transport-security: max-age=31536000' <<<"$headers" || fail "no HSTS header"
grep -qi '^set-cookie: csrftoken=.*; Secure' <<<"$headers" || fail "the CSRF cookie is not Secure"
grep -qi "^content-security-policy: .*script-src 'self'" <<<"$headers" || fail "no CSP"
check "the login page comes over TLS (HTTP/2) with HSTS, a Secure cookie and the CSP"

rid=$(curl_ -D - -o /dev/null -H 'X-Request-ID: ci-nginx-request-0001' "https://$host:$https_port/healthz" | grep -i '^x-request-id' | tr -d '\r' | awk '{print $2}')
[ "$rid" = "ci-nginx-request-0001" ] || fail "the request id did not pass through nginx (got '$rid')"
check "a request id passes through nginx to the application and back"

static=$(curl_ -D - -o /dev/null "https://$host:$https_port/static/vendor/htmx/htmx.min.js")
grep -qi '^HTTP/2 200' <<<"$static" && grep -qi '^cache-control: .*public' <<<"$static" || fail "static file: $static"
check "static files are served by nginx with caching"

[ "$(curl_ -o /dev/null -w '%{http_code}' "https://$host:$https_port/metrics")" = 404 ] || fail "/metrics is public"
check "/metrics is not served to the outside"

head -c 62914560 /dev/zero >"$dir/big.bin"
code=$(curl_ -o /dev/null -w '%{http_code}' -F "file=@$dir/big.bin" "https://$host:$https_port/login/")
[ "$code" = 413 ] || fail "a 60 MB upload should be refused by nginx with 413, got $code"
check "an upload over the limit is refused by nginx (413)"

echo "== systemd units (deploy/systemd) verified by systemd-analyze, paths rewritten to this checkout"
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$dir/units"
  for unit in deploy/systemd/*; do
    sed -e "s|/srv/xinyu/app|$root|g" -e "s|^User=xinyu|User=root|" -e "s|^Group=xinyu|Group=root|" \
        -e "s|/etc/xinyu/xinyu.env|$dir/xinyu.env|" "$unit" >"$dir/units/$(basename "$unit")"
  done
  out=$(cd "$dir/units" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no ./*.service ./*.target 2>&1 \
        | grep -v -e 'Failed to connect to bus' -e 'is not a directory' -e 'Unit is bound to inactive' \
        -e '/run/systemd' -e 'Cannot add dependency job' || true)
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
  check "the systemd units verify"
else
  echo "  systemd-analyze not installed: units not verified"
fi
echo "== behind-nginx stage passed"
