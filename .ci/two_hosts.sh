#!/usr/bin/env bash
# CI (issue 29): two web processes (gunicorn) and one Celery worker, each in its own empty
# working folder, on one PostgreSQL, one Redis, one S3-compatible store (moto in server mode,
# started here on a free port) and one IMAP mailbox (dovecot, started by .ci/dovecot.sh), both
# stopped after. The checks are in .ci/two_hosts.py; any failure exits non-zero with the
# processes' last log lines (and dovecot's and moto's).
#
# Needs DATABASE_URL naming a PostgreSQL server (databases named TWO_HOSTS_DB_PREFIX_<run>,
# default foi_two_hosts, are created and dropped) and Redis; TWO_HOSTS_BROKER_URL defaults to
# redis://127.0.0.1:6379/13. TWO_HOSTS_TIMEOUT (seconds, default 300) stops a run that hangs.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL server (postgres://user@host:5432/db)}"

port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$(mktemp -t foi-moto-XXXXXX.log)"
.venv/bin/moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
# shellcheck source=.ci/dovecot.sh
source .ci/dovecot.sh
stop() {
  local status=$?
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    echo "moto_server's log (last 20 lines):" >&2
    tail -n 20 "$log" >&2
  fi
  rm -f "$log"
  dovecot_stop "$status"
}
trap stop EXIT

for _ in $(seq 1 60); do
  if "$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=2)" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
if ! kill -0 "$moto_pid" 2>/dev/null; then
  echo "The S3-compatible server (moto_server) did not start:" >&2
  cat "$log" >&2
  exit 1
fi

# The forces' replies arrive in this mailbox; every host reads it as production does
# (FOI_IMAP_URL), and the drop folder is not used.
dovecot_start
export TWO_HOSTS_IMAP_URL="$FOI_TEST_IMAP_URL"

export AWS_S3_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=two-hosts AWS_SECRET_ACCESS_KEY=two-hosts AWS_S3_REGION_NAME=us-east-1
export CELERY_BROKER_URL="${TWO_HOSTS_BROKER_URL:-redis://127.0.0.1:6379/13}"
export SECRET_KEY="${SECRET_KEY:-two-hosts-$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')}"
timeout "${TWO_HOSTS_TIMEOUT:-300}" "$PYTHON" .ci/two_hosts.py
