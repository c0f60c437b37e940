#!/usr/bin/env bash
# CI: a real IMAP server (Debian's dovecot) for tests/requests_app/test_mail_servers_*.py, which
# also start a real SMTP server (aiosmtpd, in the test process) and real Celery workers: they
# send a campaign through SMTP, append the forces' replies to the IMAP mailbox, fetch them
# through a worker, and kill workers mid-fetch.
#
# Usage: .ci/mail_servers.sh [PYTEST ARGS ...]
# Dovecot is installed and started by .ci/dovecot.sh (its own configuration, user, Maildir and
# log under a temporary folder, on 127.0.0.1 only, port FOI_TEST_IMAP_PORT or a free one) and
# stopped on exit. Needs CELERY_TEST_BROKER_URL (default redis://127.0.0.1:6379/14) and, as in
# CI, DATABASE_URL for PostgreSQL (otherwise each test uses a throwaway SQLite database).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export CELERY_TEST_BROKER_URL="${CELERY_TEST_BROKER_URL:-redis://127.0.0.1:6379/14}"

# shellcheck source=.ci/dovecot.sh
source .ci/dovecot.sh
trap 'dovecot_stop $?' EXIT
dovecot_start

"$PYTHON" -m pytest tests/requests_app/test_mail_servers_*.py -m mailserver -q -p no:cacheprovider -p no:logging \
  -rs "$@"
echo "mail servers: passed"
