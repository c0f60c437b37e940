#!/usr/bin/env bash
# CI: a real IMAP server (Debian's dovecot) for tests/requests_app/test_mail_servers_*.py, which
# also start a real SMTP server (aiosmtpd, in the test process) and real Celery workers: they
# send a campaign through SMTP, append the forces' replies to the IMAP mailbox, fetch them
# through a worker, and kill workers mid-fetch.
#
# Usage: .ci/mail_servers.sh [PYTEST ARGS ...]
# Installs dovecot-imapd when missing (apt-get, as root), then runs a throwaway dovecot as the
# current user with its own configuration, user (foi / foi-test-password), Maildir, sockets and
# log under a temporary folder, listening on 127.0.0.1 only (port FOI_TEST_IMAP_PORT, default a
# free one), and stops it on exit. A system dovecot started by the package is left alone: ours
# shares nothing with it. Needs CELERY_TEST_BROKER_URL (default redis://127.0.0.1:6379/14) and,
# as in CI, DATABASE_URL for PostgreSQL (otherwise each test uses a throwaway SQLite database).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export CELERY_TEST_BROKER_URL="${CELERY_TEST_BROKER_URL:-redis://127.0.0.1:6379/14}"

DOVECOT="$(command -v dovecot || echo /usr/sbin/dovecot)"
if [ ! -x "$DOVECOT" ] || [ ! -x /usr/lib/dovecot/imap ]; then
  echo "mail servers: installing dovecot-imapd"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q dovecot-imapd >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q dovecot-imapd >/dev/null; }
  DOVECOT="$(command -v dovecot || echo /usr/sbin/dovecot)"
fi

dir="$(mktemp -d /tmp/foi-dovecot.XXXXXX)"
chmod 755 "$dir"
conf="$dir/dovecot.conf"
cleanup() {
  status=$?
  if [ -f "$conf" ] && [ -e "$dir/run/master.pid" ]; then
    "$DOVECOT" -c "$conf" stop >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do [ -e "$dir/run/master.pid" ] || break; sleep 0.1; done
  fi
  if [ "$status" -ne 0 ] && [ -f "$dir/dovecot.log" ]; then
    echo "mail servers: dovecot's log:" >&2
    tail -n 40 "$dir/dovecot.log" >&2
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

port="${FOI_TEST_IMAP_PORT:-$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
user="foi"
password="foi-test-password"
uid="$(id -u)"
gid="$(id -g)"
# Dovecot runs no process as root but its master: as root, mail is stored as Debian's "mail"
# user and logins and internal processes run as the package's users.
if [ "$uid" -eq 0 ]; then
  uid="$(id -u mail)" gid="$(id -g mail)"
  login_user=dovenull internal_user=dovecot internal_group=dovecot
else
  login_user="$(id -un)" internal_user="$(id -un)" internal_group="$(id -gn)"
fi
mkdir -p "$dir/run" "$dir/state" "$dir/mail"
printf '%s:{PLAIN}%s\n' "$user" "$password" >"$dir/passwd"
chown "$uid:$gid" "$dir/mail"

# The least dovecot needs: IMAP only, plaintext login (loopback only, no TLS), one passwd-file
# user.
cat >"$conf" <<EOF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = $uid
first_valid_gid = $gid
mail_uid = $uid
mail_gid = $gid
default_login_user = $login_user
default_internal_user = $internal_user
default_internal_group = $internal_group
mail_location = maildir:$dir/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
EOF

"$DOVECOT" -c "$conf"
export FOI_TEST_IMAP_URL="imap://$user:$password@127.0.0.1:$port/INBOX"
imap_login() {
  "$PYTHON" - "$port" "$user" "$password" <<'PY'
import imaplib, sys
client = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=1)
client.login(sys.argv[2], sys.argv[3])
client.logout()
PY
}
for _ in $(seq 1 50); do imap_login 2>/dev/null && break; sleep 0.2; done
imap_login  # once more, loudly: fails the script if dovecot never answered
echo "mail servers: dovecot $("$DOVECOT" --version | cut -d' ' -f1) on 127.0.0.1:$port"

"$PYTHON" -m pytest tests/requests_app/test_mail_servers_*.py -m mailserver -q -p no:cacheprovider -p no:logging \
  -rs "$@"
echo "mail servers: passed"
