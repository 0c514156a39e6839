"""Identity-provider login and sign-up under real concurrency on PostgreSQL."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client

from flex_auth_django.models import IdentityLink
from tests.factories import ApplicationFactory
from tests.idp_fixtures import IDP_URL, idp_params
from tests.tokens.test_races import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def _post(url, body, content_type="application/x-www-form-urlencoded", **headers):
    try:
        response = Client().post(url, body, content_type=content_type, **headers)
        return response.status_code
    finally:
        connections.close_all()


def test_parallel_first_logins_of_one_account_link_it_once(oidc_idp, local_idp, verified_user):
    app, user = ApplicationFactory(), verified_user()
    token = local_idp.mint(sub="racy", email=user.email)
    body = urlencode(idp_params(app, oidc_idp, token))
    statuses = run_at_once([lambda: _post(IDP_URL, body)] * THREADS)
    assert statuses == [200] * THREADS
    assert list(IdentityLink.objects.values_list("subject", "user_id")) == [("racy", user.pk)]


def test_parallel_sign_ups_with_one_email_create_one_user(oidc_idp, local_idp):
    app = ApplicationFactory()
    anonymous = (
        Client()
        .post(
            "/oauth/token",
            urlencode({"client_id": str(app.client_id), "grant_type": "client_credentials"}),
            content_type="application/x-www-form-urlencoded",
        )
        .json()["access_token"]
    )
    bodies = [
        json.dumps(
            {
                "idpId": oidc_idp.idp_id,
                "idpClientId": oidc_idp.client_id,
                "idpToken": local_idp.mint(sub=f"acct-{n}", email="same@example.com"),
            }
        )
        for n in range(THREADS)
    ]
    calls = [
        (lambda b=b: _post("/v1/api/current_user/create_with_idp", b, "application/json",
                           HTTP_AUTHORIZATION=f"Bearer {anonymous}"))
        for b in bodies
    ]  # fmt: skip
    statuses = run_at_once(calls)
    assert sorted(statuses) == [200] + [409] * (THREADS - 1)
    assert get_user_model().objects.filter(email__iexact="same@example.com").count() == 1
    assert IdentityLink.objects.count() == 1
