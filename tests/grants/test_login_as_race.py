"""Login-as codes under real concurrency on PostgreSQL (spec: Login as user, step 4: single use)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from flex_auth_django.models import AccessToken, AuthorizationCode, RefreshToken
from tests.console import make_code
from tests.tokens.test_races import THREADS, TOKEN_URL, _post, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_sixteen_concurrent_redemptions_of_one_code_give_exactly_one_token():
    code = make_code()
    body = urlencode(code.token_params())
    responses = run_at_once([lambda: _post(TOKEN_URL, body)] * THREADS)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [401] * (THREADS - 1), [r.content for r in responses]
    assert all(r.json()["error"] == "invalid_grant" for r in responses if r.status_code == 401)
    # One token and one session were ever minted...
    assert AccessToken.objects.count() == 1
    assert RefreshToken.objects.count() == 1
    winner = next(r for r in responses if r.status_code == 200).json()
    assert "refresh_token" not in winner
    # ...and the others presented the code again, which revokes what it issued (RFC 6749 4.1.2).
    assert AccessToken.objects.get().revoked is not None
    assert AuthorizationCode.objects.get().redeemed is not None


def test_concurrent_redemptions_of_different_codes_all_succeed():
    codes = [make_code() for _ in range(8)]
    bodies = [urlencode(c.token_params()) for c in codes]
    responses = run_at_once([lambda b=b: _post(TOKEN_URL, b) for b in bodies])
    assert [r.status_code for r in responses] == [200] * 8
    assert AccessToken.objects.filter(revoked__isnull=True).count() == 8
