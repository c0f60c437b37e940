#!/usr/bin/env bash
# Set everything up and start the site, the Celery worker and beat on http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
source scripts/demo_env.sh
.venv/bin/python manage.py migrate --noinput -v0 && echo "Database ready (var/foi_tracker.sqlite3)."
.venv/bin/python manage.py load_demo
echo
echo "Open http://127.0.0.1:8000 and log in with one of the demo logins above. Ctrl-C stops everything."
echo "Emails the tracker sends are written to var/mail/."
echo "For the demo commands in another terminal (demo_code, demo_reply): source scripts/demo_env.sh first."
echo
exec .venv/bin/honcho start -f Procfile
