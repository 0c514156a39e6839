"""deploy/, compose.yaml and the Dockerfile say what the deployment guide says, and their commands run."""

from __future__ import annotations

import ast
import posixpath
import re
import shlex
import stat
import subprocess
from configparser import ConfigParser

import yaml

from tests.deploy.conftest import manage, production_env
from tests.docs.pages import page
from tests.serving import ROOT

DEPLOY = ROOT / "deploy"


def settings_production_required() -> tuple[str, ...]:
    """settings_production.REQUIRED, read without importing it (it needs those variables to load)."""
    tree = ast.parse((ROOT / "example_project" / "settings_production.py").read_text())
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "REQUIRED")
    return ast.literal_eval(node.value)


def unit(name: str) -> ConfigParser:
    parser = ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def clear_tokens_args(command: str) -> list[str]:
    """The manage.py arguments of a documented cleanup command line."""
    words = shlex.split(command)
    return words[words.index("manage.py") + 1 :]


def test_the_timer_starts_the_cleanup_service_hourly():
    timer = unit("flex-clear-tokens.timer")
    assert timer["Timer"]["OnCalendar"] == "hourly"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    service = unit("flex-clear-tokens.service")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["EnvironmentFile"] == "/etc/flex-auth/env"


def cron_command() -> str:
    lines = [line for line in (DEPLOY / "crontab").read_text().splitlines() if line and not line.startswith("#")]
    assert len(lines) == 1
    schedule, command = lines[0].split(maxsplit=5)[:5], lines[0].split(maxsplit=5)[5]
    assert schedule == ["17", "*", "*", "*", "*"]
    return command.split("&&")[-1].split(">>")[0]


def test_cron_and_timer_run_the_same_cleanup():
    service = clear_tokens_args(unit("flex-clear-tokens.service")["Service"]["ExecStart"])
    assert service[0] == "flex_clear_tokens"
    assert clear_tokens_args(cron_command()) == service


def test_the_documented_cleanup_command_runs_against_the_production_settings(tmp_path):
    env = production_env(tmp_path)
    manage(env, "migrate", "--noinput", "-v", "0")
    result = manage(env, *clear_tokens_args(unit("flex-clear-tokens.service")["Service"]["ExecStart"]))
    assert re.match(r"Deleted .*\(0 rows, \d+ batch", result.stdout), result.stdout


def test_the_site_unit_serves_with_deploy_serve_sh():
    service = unit("flex-auth.service")["Service"]
    assert service["ExecStart"] == "/srv/flex-auth/deploy/serve.sh"
    assert service["EnvironmentFile"] == "/etc/flex-auth/env"
    environment = dict(pair.split("=", 1) for pair in shlex.split(service["Environment"]))
    assert (environment["HOST"], environment["PORT"]) == ("127.0.0.1", "8000")  # reachable only through nginx
    assert environment["PATH"].startswith("/srv/flex-auth/.venv/bin:")  # serve.sh execs the venv's granian
    assert "proxy_pass http://flex_auth;" in (DEPLOY / "nginx.conf").read_text()
    assert "server 127.0.0.1:8000;" in (DEPLOY / "nginx.conf").read_text()


def deployment_intro() -> str:
    """The deployment guide up to its first subsection: the variable table and the Debian block."""
    return page("guides/deployment.md").split("\n## ", 1)[0]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_the_guide_lists_every_required_variable():
    section = deployment_intro()
    for name in ("DJANGO_SETTINGS_MODULE", *settings_production_required()):
        assert f"| `{name}` | yes |" in section, name


def test_compose_runs_site_postgres_and_redis_with_every_required_setting():
    services = compose()["services"]
    assert {"db", "redis", "migrate", "web", "clear-tokens"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("migrate", "web", "clear-tokens"):
        env = services[name]["environment"]
        assert set(settings_production_required()) <= set(env), name
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")  # never a default in the file
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert "flex_clear_tokens" in " ".join(services["clear-tokens"]["command"])
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]  # only the proxy on this host reaches it


def test_the_guide_documents_every_variable_deploy_serve_sh_reads():
    section = deployment_intro()
    table = [line for line in section.splitlines() if line.startswith("| `")]
    read = set(re.findall(r"\$\{(\w+):-", (DEPLOY / "serve.sh").read_text()))
    assert "WSGI_APP" in read
    for name in read:
        assert any(f"`{name}`" in row.split(" | ")[0] for row in table), name


def compose_signing_key_command() -> str:
    """The signing-key service's shell line, as compose hands it to sh ($$ is compose's escaped $)."""
    command = compose()["services"]["signing-key"]["command"]
    assert command[:2] == ["sh", "-c"]
    return command[2].replace("$$", "$")


def test_compose_makes_the_signing_key_once_and_every_site_service_reads_it():
    services = compose()["services"]
    key_file = services["web"]["environment"]["FLEX_SIGNING_KEY_FILE"]
    assert services["signing-key"]["volumes"] == [f"signing-keys:{posixpath.dirname(key_file)}"]
    for name in ("migrate", "web", "clear-tokens"):
        assert f"signing-keys:{posixpath.dirname(key_file)}:ro" in services[name]["volumes"], name
    assert services["migrate"]["depends_on"]["signing-key"]["condition"] == "service_completed_successfully"
    assert "signing-keys" in compose()["volumes"]
    assert "flex_generate_signing_key" in compose_signing_key_command()


def test_the_compose_signing_key_command_writes_a_key_and_keeps_it(tmp_path):
    key = tmp_path / "keys" / "signing-es256.pem"
    key.parent.mkdir()
    env = production_env(tmp_path, FLEX_SIGNING_KEY_FILE=str(key))

    def up() -> str:
        result = subprocess.run(
            ["sh", "-c", compose_signing_key_command()], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return key.read_text()

    first = up()
    assert "PRIVATE KEY" in first
    assert up() == first  # a later `up` keeps the key
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_the_dockerfile_collects_static_files_with_every_required_setting():
    dockerfile = (ROOT / "Dockerfile").read_text()
    run = next(block for block in dockerfile.split("\nRUN ") if "manage.py collectstatic" in block)
    assert set(settings_production_required()) <= set(re.findall(r"(\w+)=", run))
    assert "/keys" in dockerfile and "COPY .dev-keys" not in dockerfile  # the key is mounted, never built in


def test_the_dockerfile_installs_the_package_with_its_serve_extra():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'pip install ".[serve]"' in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "USER flex" in dockerfile
    assert 'CMD ["deploy/serve.sh"]' in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".secret_key", ".venv", ".git"} <= set(ignored)


def test_nginx_sets_what_the_production_settings_trust():
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf  # SECURE_PROXY_SSL_HEADER
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf  # FLEX_NUM_PROXIES=1
    assert "proxy_set_header Host $host;" in conf  # ALLOWED_HOSTS sees the public name
    assert "proxy_request_buffering on;" in conf and "client_header_timeout" in conf


def test_serve_sh_is_valid_shell_and_runs_granian():
    subprocess.run(["sh", "-n", str(DEPLOY / "serve.sh")], check=True, timeout=30)
    text = (DEPLOY / "serve.sh").read_text()
    assert "exec granian" in text and "--interface wsgi" in text
    assert (DEPLOY / "serve.sh").stat().st_mode & 0o111, "deploy/serve.sh must be executable"
