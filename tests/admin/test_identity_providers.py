"""The identity-provider admin (write-only app secret) and the user page's linked identities and verified email."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flex_auth_django.models import IdentityLink, IdentityProvider, IdpKind, VerifiedEmail
from tests.factories import UserFactory

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
        "trusted_client_ids": "[]",
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
