# Sourced by run.sh, and by you in another terminal before the demo commands
# (`source scripts/demo_env.sh`, then `.venv/bin/python manage.py demo_code riley`).
# The local demo: demo commands allowed, plain http on 127.0.0.1, DEBUG off (the site's own
# error pages). Its secret key is made once for this machine and kept in var/secret_key.
export FOI_DEMO=true
if [ -z "${SECRET_KEY:-}" ]; then
  mkdir -p var
  if [ ! -s var/secret_key ]; then
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key)
  fi
  SECRET_KEY="$(cat var/secret_key)"
  export SECRET_KEY
fi
