#!/usr/bin/env bash
# Set everything up and start the site, the Celery worker and beat on http://127.0.0.1:8000
# (another port: PORT=8001 ./run.sh).
set -euo pipefail
cd "$(dirname "$0")"
PORT="${PORT:-8000}"
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  echo "PORT must be a number from 1 to 65535, got '$PORT'." >&2
  exit 2
fi
# honcho gives the Procfile's first process (web) $PORT; links in emails follow it.
export PORT
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
source scripts/setup.sh
source scripts/demo_env.sh
.venv/bin/python manage.py migrate --noinput -v0 && echo "Database ready (var/foi_tracker.sqlite3)."
.venv/bin/python manage.py load_demo
echo
echo "Open http://127.0.0.1:$PORT (port $PORT; PORT=8001 ./run.sh for another) and log in with one of the demo logins above. Ctrl-C stops everything."
echo "Emails the tracker sends are written to var/mail/."
echo "For the demo commands in another terminal (demo_code, demo_reply): source scripts/demo_env.sh first."
echo
exec .venv/bin/honcho start -f Procfile
