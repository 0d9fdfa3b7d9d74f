#!/bin/sh
# `make test` drives Debian's chromium (never a downloaded browser). When it is missing, install it if we can —
# as root with apt-get, as .ci/run does — and otherwise stop at once with the one command to run (issue 20).
#   XINYU_CHROMIUM  the browser the tests use (default /usr/bin/chromium)
#   XINYU_APT_GET   apt-get (default: the one on the PATH); XINYU_UID the user id to act as (default: id -u)
set -eu
chromium="${XINYU_CHROMIUM:-/usr/bin/chromium}"
apt="${XINYU_APT_GET:-$(command -v apt-get || true)}"
uid="${XINYU_UID:-$(id -u)}"
command_to_run="sudo apt-get install chromium fonts-wqy-microhei"

[ -x "$chromium" ] && exit 0

if [ "$uid" = 0 ] && [ -n "$apt" ] && [ -x "$apt" ]; then
  echo "== installing Debian's chromium and a Chinese font for the browser tests (apt-get)"
  "$apt" update -qq || true
  DEBIAN_FRONTEND=noninteractive "$apt" install -y -qq chromium fonts-wqy-microhei >/dev/null || true
  [ -x "$chromium" ] && exit 0
  echo "apt-get ran but $chromium is still missing." >&2
fi

echo "make test needs Debian's chromium at $chromium for the browser tests (they never download a browser)." >&2
echo "Install it with this one command, then run make test again:" >&2
echo "  $command_to_run" >&2
exit 1
