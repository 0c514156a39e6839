"""The README's Debian 12 block runs top to bottom: nothing is used before a step has made it.

tests/deploy/guide.py replays the block over a model of a fresh Debian 12 host. The mutations
below are the mistakes issue 20 found (and their likes): each must make the replay complain.
"""

from __future__ import annotations

import re

import pytest

from tests.deploy import guide


def test_the_block_uses_nothing_before_a_step_makes_it():
    assert guide.replay(guide.guide_block()) == []


def test_the_block_covers_every_step_of_a_fresh_host():
    block = guide.guide_block()
    for step in (
        "apt-get install -y python3-venv",
        "useradd --system",
        "git clone",
        "createdb",
        "cat > /etc/flex-auth/env",
        "flex_generate_signing_key",
        "check --deploy",
        "migrate",
        "collectstatic",
        "systemctl enable --now flex-auth.service flex-clear-tokens.timer",
        "certbot certonly --webroot",
        "deploy/nginx.conf > /etc/nginx/conf.d/",
    ):
        assert step in block, step


def line_of(block: str, start: str) -> str:
    (line,) = [line for line in block.splitlines() if line.startswith(start)]
    return line


def move_after(start: str, after: str):
    """The line starting with `start`, moved to just after the line starting with `after`."""

    def mutate(block: str) -> str:
        moving = line_of(block, start)
        lines = [line for line in block.splitlines() if line != moving]
        lines.insert(lines.index(line_of(block, after)) + 1, moving)
        return "\n".join(lines) + "\n"

    return mutate


def move_before(start: str, before: str):
    def mutate(block: str) -> str:
        moving = line_of(block, start)
        lines = [line for line in block.splitlines() if line != moving]
        lines.insert(lines.index(line_of(block, before)), moving)
        return "\n".join(lines) + "\n"

    return mutate


def replace(old: str, new: str):
    def mutate(block: str) -> str:
        assert old in block, old
        return block.replace(old, new, 1)

    return mutate


MUTATIONS = {
    "flex used before useradd": (move_after("useradd", "install -d -m 700"), "user flex does not exist yet"),
    "no /var/log/flex-auth": (replace(" /var/log/flex-auth\n", "\n"), "/var/log/flex-auth does not exist yet"),
    "log dir owned by root": (
        replace(
            "install -d -o flex -g flex /srv/flex-auth/staticfiles /var/log/flex-auth",
            "install -d /srv/flex-auth/staticfiles /var/log/flex-auth",
        ),
        "flex may not write to /var/log/flex-auth",
    ),
    "database before its role": (
        move_before("runuser -u postgres -- createdb", "echo"),
        "role flex does not exist yet",
    ),
    "env file never made 0640 root:flex": (
        replace("install -m 640 -o root -g flex /dev/null /etc/flex-auth/env\n", ""),
        "not made root:flex 0640 first",
    ),
    "check --deploy before the key": (
        move_before("deploy/manage.sh check --deploy", "deploy/manage.sh flex_generate_signing_key"),
        "signing-es256.pem does not exist yet",
    ),
    "service started before migrate": (
        move_before("deploy/manage.sh migrate", "install -d /var/www/letsencrypt"),
        "starts before `manage.py migrate` ran",
    ),
    "certbot before nginx serves the challenges": (
        move_before("certbot", 'sed "s/auth\\.example\\.com/$DOMAIN/g" deploy/nginx-http.conf'),
        "does not serve auth.example.com's ACME challenges",
    ),
    "port 443 before the certificate": (
        move_before(
            'sed "s/auth\\.example\\.com/$DOMAIN/g" deploy/nginx.conf',
            'sed "s/auth\\.example\\.com/$DOMAIN/g" deploy/nginx-http.conf',
        ),
        "/etc/letsencrypt/live/auth.example.com/fullchain.pem does not exist yet",
    ),
    "a wheel that nothing built": (
        replace(
            '.venv/bin/pip install ".[serve]"',
            '.venv/bin/pip install "dist/flex_auth_django-0.1.0-py3-none-any.whl[serve]"',
        ),
        "dist/flex_auth_django-0.1.0-py3-none-any.whl/pyproject.toml does not exist yet",
    ),
    "git before apt-get": (move_before("git clone", "apt-get update"), "command git is not installed yet"),
    "a step the replay does not know": (
        replace("systemctl daemon-reload", "chmod 600 /etc/flex-auth/env"),
        "does not know 'chmod'",
    ),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_a_step_out_of_order_is_reported(name):
    mutate, expected = MUTATIONS[name]
    block = mutate(guide.guide_block())
    problems = guide.replay(block)
    assert any(expected in problem for problem in problems), problems


def test_the_nginx_steps_name_the_shipped_files():
    block = guide.guide_block()
    installed = dict(re.findall(r"deploy/(nginx[\w-]*\.conf) > (/etc/nginx/conf\.d/\S+)", block))
    assert set(installed) == {"nginx-http.conf", "nginx.conf"}
