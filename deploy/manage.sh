#!/bin/sh
# manage.py the way the systemd units run the site: as the flex user (FLEX_USER), with the
# variables of /etc/flex-auth/env (FLEX_ENV_FILE), from the checkout this script lives in.
# Run it as root or as flex: `deploy/manage.sh check --deploy` (README "Deploying to production").
#
# Root hands over to flex first: the production settings open FLEX_SECURITY_LOG when they load,
# and a log file that root created is one the service cannot write to.
set -eu
SITE=$(cd "$(dirname "$0")/.." && pwd)
USER_NAME=${FLEX_USER:-flex}
if [ "$(id -u)" = 0 ] && [ "$(id -un)" != "$USER_NAME" ]; then
    exec runuser -u "$USER_NAME" -- "$SITE/deploy/manage.sh" "$@"
fi
set -a
. "${FLEX_ENV_FILE:-/etc/flex-auth/env}"
set +a
cd "$SITE"
exec "$SITE/.venv/bin/python" manage.py "$@"
