"""flex_clear_tokens removes dead tokens and nothing a live session still needs."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from flex_auth_django.models import AccessToken, RefreshToken
from tests.factories import AccessTokenFactory, RefreshTokenFactory
from tests.helpers import login

pytestmark = pytest.mark.django_db


def clear(*args) -> str:
    out = StringIO()
    call_command("flex_clear_tokens", *args, stdout=out)
    return out.getvalue()


def test_deletes_expired_and_revoked_and_keeps_live_and_retired():
    live_access = AccessTokenFactory()
    AccessTokenFactory.create_batch(3, expired=True)
    AccessTokenFactory.create_batch(2, revoked_now=True)
    live_refresh = RefreshTokenFactory()
    retired = RefreshTokenFactory(retired=timezone.now() - timedelta(days=1))  # reuse detection needs it
    RefreshTokenFactory.create_batch(2, expired=True)
    RefreshTokenFactory(revoked=timezone.now())
    out = clear("--batch-size", "2")
    assert "Deleted 5 access tokens, 3 refresh tokens, 0 signed-token revocations (8 rows, 5 batches)" in out
    assert set(AccessToken.objects.all()) == {live_access}
    assert set(RefreshToken.objects.all()) == {live_refresh, retired}


def test_dry_run_counts_without_deleting():
    AccessTokenFactory.create_batch(2, expired=True)
    assert "Would delete 2 access tokens, 0 refresh tokens" in clear("--dry-run")
    assert AccessToken.objects.count() == 2


def test_clearing_an_expired_subject_keeps_its_live_trusted_token():
    subject = AccessTokenFactory(expired=True)
    trusted = AccessTokenFactory(trusted=True, subject=subject, user=subject.user, application=subject.application)
    clear()
    trusted.refresh_from_db()
    assert trusted.subject is None and trusted.revoked is None


def test_clearing_a_revoked_parent_keeps_the_chain_usable(token_endpoint, marketplace_app, user):
    session = login(token_endpoint, marketplace_app, user)
    newer = token_endpoint.post(
        {
            "client_id": str(marketplace_app.client_id),
            "grant_type": "refresh_token",
            "refresh_token": session["refresh_token"],
        }
    ).json()
    RefreshToken.objects.filter(parent__isnull=True).update(expires=timezone.now() - timedelta(seconds=1))
    clear()
    assert RefreshToken.objects.count() == 1
    response = token_endpoint.post(
        {
            "client_id": str(marketplace_app.client_id),
            "grant_type": "refresh_token",
            "refresh_token": newer["refresh_token"],
        }
    )
    assert response.status_code == 200


def test_rejects_a_nonsense_batch_size():
    with pytest.raises(SystemExit):
        clear("--batch-size", "0")


def test_dry_run_counts_a_row_both_expired_and_revoked_once_and_reports_the_batches_a_run_would_take():
    past = timezone.now() - timedelta(hours=1)
    AccessTokenFactory.create_batch(3, expired=True)
    AccessTokenFactory.create_batch(2, expired=True, revoked=past)  # both: one row each, not two
    AccessTokenFactory(revoked=past)
    RefreshTokenFactory(expired=True, revoked=past)
    dry = clear("--dry-run", "--batch-size", "2")
    # access: 5 expired (3 batches of 2) + 1 revoked only (1 batch); refresh: 1 row (1 batch)
    assert "Would delete 6 access tokens, 1 refresh tokens, 0 signed-token revocations (7 rows, 5 batches)." in dry
    assert AccessToken.objects.count() == 6
    assert clear("--batch-size", "2") == dry.replace("Would delete", "Deleted")  # the run does what it said
