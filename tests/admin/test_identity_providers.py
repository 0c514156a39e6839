"""The identity-provider admin (write-only app secret) and the user page's linked identities and verified email."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from jwt.algorithms import ECAlgorithm

from flex_auth_django.models import IdentityLink, IdentityProvider, IdpKind, VerifiedEmail
from tests.factories import UserFactory
from tests.idp_provider import new_key, public_jwk

pytestmark = pytest.mark.django_db

SECRET = "fb-app-secret-0123456789abcdef"


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def provider_data(**overrides):
    data = {
        "idp_id": "facebook",
        "name": "Facebook",
        "kind": "facebook",
        "client_id": "1234",
        "trusted_client_ids": "",
        "issuer": "",
        "jwks": "",
        "is_active": "on",
        "app_secret": SECRET,
    }
    data.update(overrides)
    return data


def test_the_app_secret_is_write_only(superuser_client):
    add = superuser_client.post(reverse("admin:flex_auth_django_identityprovider_add"), provider_data())
    assert add.status_code == 302, add.content.decode()[:2000]
    provider = IdentityProvider.objects.get()
    assert provider.app_secret() == SECRET and SECRET not in provider.app_secret_sealed
    change_url = reverse("admin:flex_auth_django_identityprovider_change", args=[provider.pk])
    page = superuser_client.get(change_url)
    assert page.status_code == 200 and SECRET not in page.content.decode()
    assert provider.app_secret_sealed not in page.content.decode()
    # Saving without a new secret keeps the stored one.
    assert superuser_client.post(change_url, provider_data(app_secret="", name="FB")).status_code == 302
    provider.refresh_from_db()
    assert (provider.name, provider.app_secret()) == ("FB", SECRET)
    listing = superuser_client.get(reverse("admin:flex_auth_django_identityprovider_changelist"))
    assert SECRET not in listing.content.decode()


def test_facebook_without_a_secret_and_oidc_without_https_are_refused(superuser_client):
    url = reverse("admin:flex_auth_django_identityprovider_add")
    assert superuser_client.post(url, provider_data(app_secret="")).status_code == 200
    oidc = provider_data(idp_id="corp", kind="oidc", app_secret="", issuer="http://id.example.com")
    assert superuser_client.post(url, oidc).status_code == 200
    assert not IdentityProvider.objects.exists()
    ok = provider_data(idp_id="corp", kind="oidc", app_secret="", issuer="https://id.example.com")
    assert superuser_client.post(url, ok).status_code == 302


ADD_URL = "admin:flex_auth_django_identityprovider_add"


def change_url(provider: IdentityProvider) -> str:
    return reverse("admin:flex_auth_django_identityprovider_change", args=[provider.pk])


def textarea(html: str, name: str) -> str | None:
    """The text a form's textarea is rendered with (None when the page has no such field)."""
    found = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return None if found is None else found.group(1).strip("\r\n")


def errors_of(response, field: str) -> list[str]:
    return list(response.context["adminform"].form.errors.get(field, []))


def test_the_add_page_has_plain_fields_a_kind_and_no_created_time(superuser_client):
    page = superuser_client.get(reverse(ADD_URL))
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<label[^>]*for="id_kind"[^>]*>Kind:</label>', html), "the kind's label"
    assert "Identity provider:" not in html
    # No raw JSON: both textareas are empty, not "[]" and "null".
    assert textarea(html, "trusted_client_ids") == "" and textarea(html, "jwks") == ""
    # An unsaved provider has no "created" time, and no current secret to keep.
    assert "field-created" not in html and "Created" not in html
    assert "keep the current one" not in html and "never shown again" in html
    # Every kind's fieldset is there (no JavaScript needed), marked for the script that hides the others'.
    for kind, field in (("oidc", "issuer"), ("google", "jwks"), ("facebook", "app_secret")):
        fieldset = re.search(rf'<fieldset class="[^"]*flex-for-{kind}[^"]*".*?</fieldset>', html, re.S)
        assert fieldset and f'name="{field}"' in fieldset.group(0), kind
    assert "flex_auth_django/admin/idp_kind.js" in html


def test_trusted_client_ids_are_typed_one_per_line(superuser_client):
    typed = "ios.apps.googleusercontent.com\r\n\r\n  android-app-7 \r\nios.apps.googleusercontent.com\r\n"
    data = provider_data(idp_id="google", kind="google", app_secret="", client_id="web-1", trusted_client_ids=typed)
    response = superuser_client.post(reverse(ADD_URL), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    provider = IdentityProvider.objects.get()
    # Blank lines, surrounding spaces and repeats dropped; the order kept.
    assert provider.trusted_client_ids == ["ios.apps.googleusercontent.com", "android-app-7"]
    assert provider.client_ids == ["web-1", "ios.apps.googleusercontent.com", "android-app-7"]
    assert provider.jwks is None
    page = superuser_client.get(change_url(provider)).content.decode()
    assert textarea(page, "trusted_client_ids") == "ios.apps.googleusercontent.com\nandroid-app-7"
    # Emptying the field saves an empty list, not a bad JSON value.
    data = {**data, "trusted_client_ids": "  \r\n"}
    assert superuser_client.post(change_url(provider), data).status_code == 302
    provider.refresh_from_db()
    assert provider.trusted_client_ids == []


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ('["ios-app", "web-app"]', '“["ios-app", "web-app"]” is not a client ID'),
        ("ios-app, web-app", "“ios-app, web-app” is not a client ID"),
        ("ios app", "“ios app” is not a client ID"),
        ("ios-app\n'web-app'", "“'web-app'” is not a client ID"),
        ("ios-app\nwéb", "“wéb” is not a client ID"),
        ("x" * 256, "is longer than 255 characters"),
    ],
)
def test_a_bad_trusted_client_id_is_refused_with_what_to_type(superuser_client, typed, shown):
    data = provider_data(idp_id="google", kind="google", app_secret="", trusted_client_ids=typed)
    response = superuser_client.post(reverse(ADD_URL), data)
    assert response.status_code == 200 and not IdentityProvider.objects.exists()
    messages = errors_of(response, "trusted_client_ids")
    assert any(shown in message for message in messages), messages
    assert "Enter a valid JSON" not in response.content.decode()
    # What was typed is shown back as typed, to be corrected.
    assert textarea(response.content.decode(), "trusted_client_ids") is not None


def test_the_client_id_itself_is_checked_the_same_way(superuser_client):
    response = superuser_client.post(reverse(ADD_URL), provider_data(client_id="1234 5678"))
    assert response.status_code == 200
    assert "“1234 5678” is not a client ID" in " ".join(errors_of(response, "client_id"))


def _ec_jwk() -> dict:
    return {**json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())), "kid": "ec"}


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ('{"keys": [', "The static JWKS is not valid JSON (line 1, column 11"),
        ('{"kty": "RSA", "n": "AQAB", "e": "AQAB"}', 'A JWKS is a JSON object {"keys": [...]} with at least one key.'),
        ('{"keys": []}', 'A JWKS is a JSON object {"keys": [...]} with at least one key.'),
        ('[{"kty": "RSA"}]', 'A JWKS is a JSON object {"keys": [...]} with at least one key.'),
        ("EC", "None of the static JWKS's keys can check an ID token"),
        ("RSA-1024", "None of the static JWKS's keys can check an ID token"),
    ],
)
def test_a_bad_static_jwks_is_refused_with_a_clear_message(superuser_client, typed, shown):
    if typed == "EC":
        typed = json.dumps({"keys": [_ec_jwk()]})
    elif typed == "RSA-1024":
        small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        typed = json.dumps({"keys": [public_jwk(small, "small")]})
    data = provider_data(idp_id="corp", kind="oidc", app_secret="", issuer="https://id.example.com", jwks=typed)
    response = superuser_client.post(reverse(ADD_URL), data)
    assert response.status_code == 200 and not IdentityProvider.objects.exists()
    messages = errors_of(response, "jwks")
    assert any(shown in message for message in messages), messages
    assert textarea(response.content.decode(), "jwks") == typed.replace('"', "&quot;")


def test_a_static_jwks_is_saved_and_shown_as_json_and_blank_means_none(superuser_client):
    jwks = {"keys": [_ec_jwk(), public_jwk(new_key(), "rsa-1")]}  # one usable key is enough
    data = provider_data(idp_id="corp", kind="oidc", app_secret="", issuer="https://id.example.com")
    response = superuser_client.post(reverse(ADD_URL), {**data, "jwks": json.dumps(jwks)})
    assert response.status_code == 302, errors_of(response, "jwks")
    provider = IdentityProvider.objects.get()
    assert provider.jwks == jwks
    page = superuser_client.get(change_url(provider)).content.decode()
    assert json.loads(textarea(page, "jwks").replace("&quot;", '"')) == jwks
    assert superuser_client.post(change_url(provider), {**data, "jwks": " \r\n "}).status_code == 302
    provider.refresh_from_db()
    assert provider.jwks is None
    assert textarea(superuser_client.get(change_url(provider)).content.decode(), "jwks") == ""


def test_the_change_page_shows_its_kinds_fields_and_the_kind_cannot_change(superuser_client):
    kinds = {
        "oidc": {"issuer": "https://id.example.com", "app_secret": ""},
        "google": {"app_secret": ""},
        "facebook": {"app_secret": SECRET},
    }
    for kind, extra in kinds.items():
        data = provider_data(idp_id=f"p-{kind}", kind=kind, **extra)
        assert superuser_client.post(reverse(ADD_URL), data).status_code == 302, kind
    fields = {"oidc": {"issuer", "jwks"}, "google": {"jwks"}, "facebook": {"app_secret"}}
    for provider in IdentityProvider.objects.all():
        html = superuser_client.get(change_url(provider)).content.decode()
        shown = {name for name in ("issuer", "jwks", "app_secret") if f'name="{name}"' in html}
        assert shown == fields[provider.kind], (provider.kind, shown)
        assert 'name="kind"' not in html and "field-kind_shown" in html and "field-created" in html
        assert ("keep the current one" in html) == (provider.kind == "facebook")
    # A POST that names another kind changes nothing: the kind is read-only once saved.
    google = IdentityProvider.objects.get(kind="google")
    data = provider_data(idp_id="p-google", kind="facebook", name="Renamed")
    assert superuser_client.post(change_url(google), data).status_code == 302
    google.refresh_from_db()
    assert (google.kind, google.name, google.has_app_secret) == ("google", "Renamed", False)


def test_an_app_secret_for_another_kind_is_refused_without_javascript(superuser_client):
    # Without the script every fieldset shows: a secret typed for a Google provider is an error.
    data = provider_data(idp_id="google", kind="google", app_secret=SECRET)
    response = superuser_client.post(reverse(ADD_URL), data)
    assert response.status_code == 200 and not IdentityProvider.objects.exists()
    assert errors_of(response, "app_secret") == ["Only Facebook providers have an app secret."]


def _user_form(user) -> dict:
    """The user change form's fields as Django's UserAdmin expects them, plus our inlines' management forms."""
    return {
        "username": user.username,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "flex_identity_links-TOTAL_FORMS": "0",
        "flex_identity_links-INITIAL_FORMS": "0",
        "flex_verified_email-TOTAL_FORMS": "0",
        "flex_verified_email-INITIAL_FORMS": "0",
    }


def test_linked_identities_are_listed_on_the_user_and_can_be_unlinked(superuser_client):
    user = UserFactory()
    provider = IdentityProvider.objects.create(idp_id="g", name="G", kind=IdpKind.GOOGLE, client_id="c")
    link = IdentityLink.objects.create(provider=provider, subject="acct-77", user=user)
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = superuser_client.get(url)
    assert page.status_code == 200 and "acct-77" in page.content.decode()
    data = _user_form(user) | {
        "flex_identity_links-TOTAL_FORMS": "1",
        "flex_identity_links-INITIAL_FORMS": "1",
        "flex_identity_links-0-id": str(link.pk),
        "flex_identity_links-0-user": str(user.pk),
        "flex_identity_links-0-DELETE": "on",
        "flex_verified_email-TOTAL_FORMS": "1",
        "flex_verified_email-INITIAL_FORMS": "0",
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not IdentityLink.objects.exists()


def test_the_admin_marks_the_users_current_email_verified(superuser_client):
    user = UserFactory()
    url = reverse("admin:auth_user_change", args=[user.pk])
    wrong = _user_form(user) | {
        "flex_verified_email-TOTAL_FORMS": "1",
        "flex_verified_email-0-email": "other@example.com",
        "flex_verified_email-0-user": str(user.pk),
    }
    assert superuser_client.post(url, wrong).status_code == 200
    assert not VerifiedEmail.objects.exists()
    right = wrong | {"flex_verified_email-0-email": user.email}
    assert superuser_client.post(url, right).status_code == 302
    assert VerifiedEmail.objects.get().user == user


def test_the_history_records_a_change_of_trusted_ids_only_when_they_change(superuser_client):
    data = provider_data(idp_id="google", kind="google", app_secret="", trusted_client_ids="a-1\r\nb-2")
    assert superuser_client.post(reverse(ADD_URL), data).status_code == 302
    provider = IdentityProvider.objects.get()
    # The same IDs typed again (other line endings, blank lines) change nothing; a new order does.
    for typed, changed in (("a-1\n\nb-2\n", False), ("b-2\r\na-1", True)):
        page = superuser_client.get(change_url(provider)).content.decode()
        initial = unescape(re.search(r'name="initial-trusted_client_ids" value="([^"]*)"', page).group(1))
        post = {**data, "trusted_client_ids": typed, "initial-trusted_client_ids": initial}
        assert superuser_client.post(change_url(provider), post).status_code == 302
        entry = LogEntry.objects.filter(object_id=str(provider.pk), action_flag=CHANGE).latest("pk")
        assert ("Trusted client IDs" in entry.get_change_message()) == changed, (typed, entry.get_change_message())
