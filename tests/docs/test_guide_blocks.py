"""The guides' code runs: every Python block compiles, and the blocks a site copies into its own
code (views, permissions, receivers) behave as the guide around them says."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import RequestFactory

from flex_auth_django import signals
from flex_auth_django.models import TokenKind
from tests.docs.pages import DOCS, ROOT, block, blocks, page
from tests.factories import AccessTokenFactory, ApplicationFactory, UserFactory

PAGES = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md") if "_build" not in p.parts)


@pytest.mark.parametrize("path", [*PAGES, "README.md"])
def test_every_python_block_compiles(path):
    text = (ROOT / path).read_text() if path == "README.md" else page(path)
    for number, code in enumerate(blocks(text, "python")):
        compile(code, f"{path} python block {number + 1}", "exec")


def run(code: str, namespace: dict | None = None) -> dict:
    namespace = {} if namespace is None else namespace
    exec(code, namespace)  # noqa: S102 (the docs' own code)
    return namespace


def call(view, token=None, method="get"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"} if token is not None else {}
    request = getattr(RequestFactory(), method)("/", **headers)
    return view(request)


@pytest.fixture
def tokens(db):
    user = UserFactory()
    marketplace = ApplicationFactory()
    return {
        "anonymous": AccessTokenFactory(anonymous=True, application=marketplace),
        "user": AccessTokenFactory(user=user, application=marketplace),
        "trusted": AccessTokenFactory(trusted=True, user=user, application=marketplace),
        "integration": AccessTokenFactory(integration=True),
        "login_as": AccessTokenFactory(
            kind=TokenKind.LOGIN_AS, scope="user:limited", user=user, application=marketplace, acted_by=UserFactory()
        ),
    }


def test_the_drf_block_protects_as_the_table_says(tokens, all_opaque):
    views = run(block("guides/drf.md", "## Django REST framework", "python"))
    show = views["CurrentUserShow"].as_view()
    assert call(show).status_code == 401
    assert call(show, tokens["anonymous"]).status_code == 403
    response = call(show, tokens["user"])
    assert response.status_code == 200 and response.data["email"] == tokens["user"].user.email
    # Reports and Privileged define no handler: past the permission check they answer 405.
    reports = views["Reports"].as_view()
    assert call(reports, tokens["integration"]).status_code == 405
    assert call(reports, tokens["user"]).status_code == 405
    assert call(reports, tokens["anonymous"]).status_code == 403
    privileged = views["Privileged"].as_view()
    assert call(privileged, tokens["user"]).status_code == 403
    assert call(privileged, tokens["trusted"]).status_code == 405


def test_the_plain_django_block_protects_as_the_table_says(tokens, all_opaque):
    views = run(block("guides/drf.md", "## Plain Django", "python"))
    assert call(views["my_profile"]).status_code == 401
    assert call(views["my_profile"], tokens["anonymous"]).status_code == 403
    assert call(views["my_profile"], tokens["user"]).status_code == 200
    assert call(views["export"], tokens["user"]).status_code == 403
    assert call(views["export"], tokens["integration"]).status_code == 200
    assert call(views["Profile"].as_view(), tokens["user"]).status_code == 200


def test_the_login_as_view_refuses_a_login_as_token(tokens, all_opaque):
    namespace = run(block("guides/drf.md", "## Django REST framework", "python"))
    views = run(block("guides/login-as.md", "# Login as user", "python"), namespace)
    send = views["SendMessage"].as_view()
    assert call(send, tokens["login_as"]).status_code == 403
    assert call(send, tokens["user"]).status_code == 405  # allowed; the example defines no handler


def test_the_login_as_receiver_mails_the_user(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    code = blocks(page("guides/login-as.md"), "python")[1]
    namespace = run(code)
    user, staff, application = UserFactory(), UserFactory(is_staff=True), ApplicationFactory()
    try:
        signals.login_as_started.send(
            sender=None, application=application, user=user, staff=staff, family=None, ip=None, client_ip=None
        )
    finally:
        signals.login_as_started.disconnect(namespace["tell_the_user"])
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]


def test_the_signals_page_receiver_runs(db, capsys):
    namespace = run(blocks(page("reference/signals.md"), "python")[0])
    try:
        signals.refresh_reuse_detected.send(
            sender=None, application=ApplicationFactory(), user=UserFactory(), family=None, ip="192.0.2.1"
        )
    finally:
        signals.refresh_reuse_detected.disconnect(namespace["alert"])
    assert "refresh reuse" in capsys.readouterr().out
