#!/usr/bin/env bash
# The built wheel, installed into a fresh virtualenv outside the repository, serves a site
# set up the way the README's "Adding it to an existing site" says: migrate, a token from the
# token endpoint, the admin login page. Also checks what the wheel and the sdist carry.
# Run by .ci/run (and `make test-packaging`); fails loudly at the first broken step.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_PYTHON=${BUILD_PYTHON:-$ROOT/.venv/bin/python}   # has `build` (the test extra)
PYTHON=${PYTHON:-python3}                              # creates the fresh virtualenv
WORK=$(mktemp -d "${TMPDIR:-/tmp}/flex-smoke.XXXXXX")
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "smoke: $*" >&2
    [ -f "$WORK/server.log" ] && tail -40 "$WORK/server.log" >&2
    exit 1
}

echo "== build the wheel and the sdist"
"$BUILD_PYTHON" -m build --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; fail "build failed"; }
WHEEL=$(ls "$WORK"/dist/*.whl)
SDIST=$(ls "$WORK"/dist/*.tar.gz)

echo "== what they carry"
"$BUILD_PYTHON" - "$WHEEL" "$SDIST" <<'PY'
import sys, tarfile, zipfile

wheel, sdist = sys.argv[1], sys.argv[2]
names = zipfile.ZipFile(wheel).namelist()
for wanted in ("flex_auth_django/py.typed", "flex_auth_django/migrations/0001_initial.py",
               "flex_auth_django/static/flex_auth_django/admin/flex_admin.css"):
    assert wanted in names, f"wheel lacks {wanted}"
assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "wheel lacks the LICENSE"
assert any(n.startswith("flex_auth_django/templates/") for n in names), "wheel lacks the templates"
assert not any(n.startswith(("tests/", "example_project/", "bench/")) for n in names), "wheel carries non-package code"
members = [m.split("/", 1)[1] for m in tarfile.open(sdist).getnames() if "/" in m]
for wanted in ("LICENSE", "CHANGELOG.md", "README.md", "tests/conftest.py", "tests/packaging/smoke.sh",
               "docs/admin-applications.png", "example_project/settings.py", "flex_auth_django/py.typed"):
    assert wanted in members, f"sdist lacks {wanted}"
assert not any("node_modules" in m or m.endswith(".secret_key") for m in members), "sdist carries local files"
print(f"   {wheel.rsplit('/', 1)[1]}: {len(names)} files; sdist: {len(members)} files")
PY

echo "== a fresh virtualenv outside the repository, the wheel with its serve extra"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "$WHEEL[serve]" 2>&1 | grep -v "^WARNING: Location" || true
"$WORK/venv/bin/python" -c 'import flex_auth_django, granian' || fail "the wheel did not install"
cd "$WORK"
INSTALLED=$("$WORK/venv/bin/python" -c 'import flex_auth_django; print(flex_auth_django.__file__)')
case "$INSTALLED" in
    "$WORK"/venv/*) echo "   flex_auth_django from $INSTALLED" ;;
    *) fail "flex_auth_django imported from $INSTALLED, not from the fresh virtualenv" ;;
esac

echo "== a new site, set up from the README's settings and urls blocks"
mkdir "$WORK/site"
"$WORK/venv/bin/django-admin" startproject smokesite "$WORK/site"
"$WORK/venv/bin/python" - "$ROOT/README.md" "$WORK/site/smokesite" <<'PY'
import re, sys
from pathlib import Path

readme, site = Path(sys.argv[1]).read_text(), Path(sys.argv[2])
section = readme.split("## Adding it to an existing site", 1)[1]
blocks = re.findall(r"```python\n(.*?)```", section, re.S)
settings = next(b for b in blocks if b.startswith("# settings.py"))
urls = next(b for b in blocks if b.startswith("# urls.py"))
assert "    ...,\n" in settings, "the README's INSTALLED_APPS no longer starts with '...,'"
# "..." is the site's own apps: startproject's, less those the README names (in its order).
named = sorted(set(re.findall(r'^    "([\w.]+)",', settings, re.M)))
settings = settings.replace("    ...,\n", f"    *[app for app in INSTALLED_APPS if app not in {named!r}],\n")
(site / "settings.py").write_text((site / "settings.py").read_text() + "\n" + settings)
assert "urlpatterns = [" in urls
urls = urls.replace("urlpatterns = [", "urlpatterns += [")  # beside startproject's admin/
(site / "urls.py").write_text((site / "urls.py").read_text() + "\n" + urls)
PY
cd "$WORK/site"
export DJANGO_SETTINGS_MODULE=smokesite.settings
"$WORK/venv/bin/python" manage.py check --fail-level ERROR >/dev/null || fail "manage.py check failed"
"$WORK/venv/bin/python" manage.py migrate --noinput -v 0 || fail "migrate failed"
APP=$("$WORK/venv/bin/python" manage.py flex_create_application --name "Smoke" --api-type marketplace --json)
CLIENT_ID=$(echo "$APP" | "$WORK/venv/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["client_id"])')

echo "== serve it with granian (deploy/serve.sh's server) and ask for a token"
PORT=$("$WORK/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$WORK/venv/bin/granian" --interface wsgi --host 127.0.0.1 --port "$PORT" --workers 1 --no-ws \
    smokesite.wsgi:application >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
    curl -s -o /dev/null "$BASE/admin/login/" && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited"
    sleep 0.2
done
TOKEN=$(curl -s --fail-with-body -X POST "$BASE/oauth/token" \
    -d grant_type=client_credentials -d client_id="$CLIENT_ID" -d scope=public-read) || fail "token request failed: $TOKEN"
echo "$TOKEN" | "$WORK/venv/bin/python" -c '
import json, sys
body = json.load(sys.stdin)
assert body["token_type"] == "bearer" and body["access_token"] and body["scope"] == "public-read", body
' || fail "unexpected token response: $TOKEN"
echo "   token endpoint: 200, an anonymous token"
STATUS=$(curl -s -o "$WORK/login.html" -w '%{http_code}' "$BASE/admin/login/")
[ "$STATUS" = 200 ] || fail "admin login page answered $STATUS"
grep -q 'name="username"' "$WORK/login.html" || fail "admin login page has no login form"
echo "   admin login page: 200"
echo "== packaging smoke test passed"
