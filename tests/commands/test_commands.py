"""flex_create_application and flex_demo: the output other tools rely on, and that it works."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from flex_auth_django.models import Application
from tests.helpers import login

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("api_type", ["marketplace", "integration"])
def test_create_application_json_is_exactly_the_documented_object(token_endpoint, api_type):
    data = json.loads(run("flex_create_application", "--name", "Shop", "--api-type", api_type, "--json"))
    assert set(data) == {"client_id", "client_secret", "name", "api_type"}
    assert data["name"] == "Shop" and data["api_type"] == api_type
    app = Application.objects.get()
    assert str(app.client_id) == data["client_id"]
    assert data["client_secret"] not in app.client_secret_digest
    assert app.client_secret_last4 == data["client_secret"][-4:]
    response = token_endpoint.post(
        {"client_id": data["client_id"], "client_secret": data["client_secret"], "grant_type": "client_credentials"}
    )
    assert response.status_code == 200


def test_create_application_text_output_shows_the_secret_once(capsys):
    out = run("flex_create_application", "--name", "Shop", "--api-type", "integration")
    assert "client_secret:" in out and "will not be shown again" in out


def test_create_application_refuses_unknown_api_type():
    with pytest.raises(CommandError):
        call_command("flex_create_application", "--name", "x", "--api-type", "other")


def test_demo_json_shape_and_every_credential_works(token_endpoint):
    data = json.loads(run("flex_demo", "--json"))
    assert set(data) == {"marketplace", "integration", "user", "admin"}
    assert set(data["marketplace"]) == set(data["integration"]) == {"client_id", "client_secret"}
    assert set(data["user"]) == {"email", "password", "id"}
    assert set(data["admin"]) == {"username", "password"}
    _assert_demo_works(token_endpoint, data)


def test_demo_is_idempotent_and_the_latest_credentials_work(token_endpoint):
    first = json.loads(run("flex_demo", "--json"))
    second = json.loads(run("flex_demo", "--json"))
    assert Application.objects.count() == 2
    assert first["marketplace"]["client_id"] == second["marketplace"]["client_id"]
    _assert_demo_works(token_endpoint, second)


def test_demo_repairs_a_deactivated_app_and_changed_password(token_endpoint):
    run("flex_demo", "--json")
    Application.objects.update(is_active=False)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(email="demo@example.com")  # --json also ensures the demo admin
    user.set_password("changed")
    user.save()
    _assert_demo_works(token_endpoint, json.loads(run("flex_demo", "--json")))


def test_demo_text_output_creates_a_working_admin_login(client):
    out = run("flex_demo")
    assert "admin@example.com / demo-admin-1234" in out
    assert client.login(username="admin@example.com", password="demo-admin-1234")
    assert client.get("/admin/flex_auth_django/application/").status_code == 200


def test_demo_env_output_is_shell_exports():
    out = run("flex_demo", "--env")
    names = [line.split("=")[0] for line in out.splitlines()]
    assert names == [
        "export MP_CLIENT_ID",
        "export MP_CLIENT_SECRET",
        "export INTEG_CLIENT_ID",
        "export INTEG_CLIENT_SECRET",
        "export DEMO_EMAIL",
        "export DEMO_PASSWORD",
    ]


def _assert_demo_works(token_endpoint, data):
    mp, integ = data["marketplace"], data["integration"]
    assert token_endpoint.post({"client_id": mp["client_id"], "grant_type": "client_credentials"}).status_code == 200
    assert (
        token_endpoint.post(
            {
                "client_id": integ["client_id"],
                "client_secret": integ["client_secret"],
                "grant_type": "client_credentials",
            }
        ).status_code
        == 200
    )

    class _User:
        email = data["user"]["email"]

    app = Application.objects.get(client_id=mp["client_id"])
    session = login(token_endpoint, app, _User, data["user"]["password"])
    response = token_endpoint.post(
        {
            "client_id": mp["client_id"],
            "client_secret": mp["client_secret"],
            "grant_type": "token_exchange",
            "subject_token": session["access_token"],
        }
    )
    assert response.status_code == 200


def test_demo_marks_the_demo_users_email_verified_for_idp_login():
    from django.contrib.auth import get_user_model

    from flex_auth_django.idp.verified_email import is_verified

    data = json.loads(run("flex_demo", "--json"))
    assert is_verified(get_user_model().objects.get(email=data["user"]["email"]))


@pytest.mark.parametrize("name", ["", "   "])
def test_create_application_refuses_a_blank_name(name):
    with pytest.raises(CommandError, match="must not be empty"):
        call_command("flex_create_application", "--name", name, "--api-type", "marketplace")
    assert not Application.objects.exists()


def test_create_application_refuses_a_name_longer_than_the_column_with_a_message_not_a_database_error():
    # PostgreSQL answered a raw DataError traceback; SQLite quietly stored all 256 characters.
    with pytest.raises(CommandError, match="at most 255 characters"):
        call_command("flex_create_application", "--name", "x" * 256, "--api-type", "integration")
    assert not Application.objects.exists()


def test_create_application_keeps_a_name_of_exactly_255_characters():
    data = json.loads(run("flex_create_application", "--name", "y" * 255, "--api-type", "integration", "--json"))
    assert Application.objects.get().name == data["name"] == "y" * 255


def test_demo_json_user_id_and_admin_login_work(client):
    data = json.loads(run("flex_demo", "--json"))
    user = get_user_model().objects.get(email=data["user"]["email"])
    assert data["user"]["id"] == str(user.pk)
    assert client.login(username=data["admin"]["username"], password=data["admin"]["password"])
    assert client.get("/admin/flex_auth_django/session/").status_code == 200


def test_demo_marketplace_url_sets_the_demo_marketplace_app(token_endpoint):
    data = json.loads(run("flex_demo", "--json", "--marketplace-url", "http://localhost:4000/"))
    app = Application.objects.get(client_id=data["marketplace"]["client_id"])
    assert app.marketplace_url == "http://localhost:4000"
    # Without the option it stays as it was.
    run("flex_demo", "--json")
    app.refresh_from_db()
    assert app.marketplace_url == "http://localhost:4000"
    _assert_demo_works(token_endpoint, json.loads(run("flex_demo", "--json")))


@pytest.mark.parametrize("url", ["http://market.example.com", "ftp://x", "https://x.example.com/path", "nonsense"])
def test_demo_refuses_a_bad_marketplace_url(url):
    with pytest.raises(CommandError, match="marketplace-url"):
        call_command("flex_demo", "--json", "--marketplace-url", url, stdout=StringIO())


def test_create_application_with_a_marketplace_url():
    data = json.loads(
        run(
            "flex_create_application",
            "--name",
            "Shop",
            "--api-type",
            "marketplace",
            "--marketplace-url",
            "https://shop.example.com/",
            "--json",
        )
    )
    assert data["marketplace_url"] == "https://shop.example.com"
    assert Application.objects.get().marketplace_url == "https://shop.example.com"
    out = run(
        "flex_create_application",
        "--name",
        "Dev",
        "--api-type",
        "marketplace",
        "--marketplace-url",
        "http://127.0.0.1:4000",
    )
    assert "marketplace_url: http://127.0.0.1:4000" in out


@pytest.mark.parametrize(
    "api_type, url",
    [
        ("marketplace", "http://shop.example.com"),
        ("marketplace", "https://shop.example.com/path"),
        ("marketplace", "https://shop.example.com?x=1"),
        ("marketplace", "https://user:pw@shop.example.com"),
        ("marketplace", "shop.example.com"),
        ("integration", "https://shop.example.com"),
    ],
)
def test_create_application_refuses_a_bad_marketplace_url(api_type, url):
    with pytest.raises(CommandError, match="marketplace-url"):
        call_command(
            "flex_create_application",
            "--name",
            "x",
            "--api-type",
            api_type,
            "--marketplace-url",
            url,
            stdout=StringIO(),
        )
    assert not Application.objects.exists()
