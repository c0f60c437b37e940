#!/usr/bin/env bash
# Sourced by .ci/mail_servers.sh and .ci/two_hosts.sh: a throwaway IMAP server (Debian's
# dovecot) for CI, the way a production mailbox is read (FOI_IMAP_URL).
#
#   source .ci/dovecot.sh
#   dovecot_start            # exports FOI_TEST_IMAP_URL=imap://foi:...@127.0.0.1:PORT/INBOX
#   ...                      # dovecot_stop on exit (prints dovecot's log if the status is not 0)
#
# Installs dovecot-imapd when missing (apt-get, as root), then runs dovecot as the current user
# with its own configuration, user (foi / foi-test-password), Maildir, sockets and log under a
# temporary folder, listening on 127.0.0.1 only (port FOI_TEST_IMAP_PORT, default a free one).
# A system dovecot started by the package is left alone: ours shares nothing with it.

dovecot_install() {
  DOVECOT="$(command -v dovecot || echo /usr/sbin/dovecot)"
  if [ ! -x "$DOVECOT" ] || [ ! -x /usr/lib/dovecot/imap ]; then
    echo "dovecot: installing dovecot-imapd"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q dovecot-imapd >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && apt-get install -y -q dovecot-imapd >/dev/null; }
    DOVECOT="$(command -v dovecot || echo /usr/sbin/dovecot)"
  fi
}

# dovecot_stop [STATUS]: stop our dovecot; with a non-zero STATUS print its log's tail first.
dovecot_stop() {
  local status="${1:-0}"
  [ -n "${DOVECOT_DIR:-}" ] || return 0
  if [ -e "$DOVECOT_DIR/run/master.pid" ]; then
    "$DOVECOT" -c "$DOVECOT_DIR/dovecot.conf" stop >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do [ -e "$DOVECOT_DIR/run/master.pid" ] || break; sleep 0.1; done
  fi
  if [ "$status" -ne 0 ] && [ -f "$DOVECOT_DIR/dovecot.log" ]; then
    echo "dovecot's log (last 40 lines):" >&2
    tail -n 40 "$DOVECOT_DIR/dovecot.log" >&2
  fi
  rm -rf "$DOVECOT_DIR"
  DOVECOT_DIR=""
}

dovecot_start() {
  local python="${PYTHON:-.venv/bin/python}"
  dovecot_install
  DOVECOT_DIR="$(mktemp -d /tmp/foi-dovecot.XXXXXX)"
  chmod 755 "$DOVECOT_DIR"
  local dir="$DOVECOT_DIR" conf="$DOVECOT_DIR/dovecot.conf"
  local port="${FOI_TEST_IMAP_PORT:-$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
  local user="foi" password="foi-test-password"
  local uid gid login_user internal_user internal_group
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

  # The least dovecot needs: IMAP only, plaintext login (loopback only, no TLS), one
  # passwd-file user.
  cat >"$conf" <<CONF
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
CONF

  "$DOVECOT" -c "$conf"
  export FOI_TEST_IMAP_URL="imap://$user:$password@127.0.0.1:$port/INBOX"
  local _
  for _ in $(seq 1 50); do _dovecot_login "$python" "$port" "$user" "$password" 2>/dev/null && break; sleep 0.2; done
  # Once more, loudly: fails the caller (set -e) if dovecot never answered.
  _dovecot_login "$python" "$port" "$user" "$password"
  echo "dovecot $("$DOVECOT" --version | cut -d' ' -f1) on 127.0.0.1:$port"
}

_dovecot_login() {
  "$1" - "$2" "$3" "$4" <<'PY'
import imaplib, sys
client = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=1)
client.login(sys.argv[2], sys.argv[3])
client.logout()
PY
}
