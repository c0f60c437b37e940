#!/usr/bin/env bash
# CI: start a real Celery worker against a real broker and check a task round trip and the
# daily reminders job through it (tests/requests_app/test_celery_broker.py), and, on Redis,
# kill workers with SIGKILL mid-sweep and count every email (test_worker_kill.py).
#
# Usage: .ci/broker_check.sh [BROKER_URL ...]
# Default: $CELERY_TEST_BROKER_URL or the local Redis (redis://127.0.0.1:6379/15), then the
# zero-configuration filesystem broker. When a Redis URL on this machine does not answer and
# redis-server is installed, a throwaway server is started for the check and stopped after.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"

if [ "$#" -gt 0 ]; then
  brokers=("$@")
else
  brokers=("${CELERY_TEST_BROKER_URL:-redis://127.0.0.1:6379/15}" "filesystem://")
fi

started_redis=""
cleanup() {
  if [ -n "$started_redis" ]; then
    redis-cli -p "$started_redis" shutdown nosave >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

redis_ping() {
  "$PYTHON" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()' "$1" 2>/dev/null
}

for url in "${brokers[@]}"; do
  case "$url" in
    redis://127.0.0.1:*|redis://localhost:*)
      if ! redis_ping "$url"; then
        port="$(echo "$url" | sed -E 's#redis://[^:]+:([0-9]+).*#\1#')"
        if command -v redis-server >/dev/null 2>&1; then
          echo "broker check: starting redis-server on port $port"
          redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no >/dev/null
          started_redis="$port"
          for _ in $(seq 1 50); do redis_ping "$url" && break; sleep 0.1; done
        fi
      fi
      ;;
  esac
  if [[ "$url" == redis* ]] && ! redis_ping "$url"; then
    echo "broker check: no Redis answers at $url" >&2
    exit 1
  fi
  echo "broker check: $url"
  # test_worker_kill.py (SIGKILL a worker mid-sweep, count every email) skips itself unless the
  # broker is Redis; it takes a minute or two.
  CELERY_TEST_BROKER_URL="$url" "$PYTHON" -m pytest tests/requests_app/test_celery_broker.py \
    tests/requests_app/test_worker_kill.py -m broker -q -p no:cacheprovider -rs
done
echo "broker check: passed"
