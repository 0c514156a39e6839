"""What the counters cost: nothing on a request, one upsert per process per flush."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flex_auth_django.models import UsageCount, UsageEvent
from flex_auth_django.usage.counters import counters, flush
from tests.factories import ApplicationFactory
from tests.helpers import login

pytestmark = pytest.mark.django_db

N = 25


def anonymous(app) -> dict:
    return {"client_id": str(app.client_id), "grant_type": "client_credentials", "scope": "public-read"}


def test_n_token_requests_cost_no_query_and_one_upsert_per_flush(token_endpoint, marketplace_app):
    table = UsageCount._meta.db_table
    with CaptureQueriesContext(connection) as during:
        for _ in range(N):
            assert token_endpoint.post(anonymous(marketplace_app)).status_code == 200
    # The requests' own queries (the client lookup) and none of the counters'.
    assert not [q for q in during.captured_queries if table in q["sql"]]
    assert len(during.captured_queries) <= N  # at most the one client lookup per request
    assert counters.pending() == N

    with CaptureQueriesContext(connection) as flushing:
        assert flush() == 1  # one aggregate row: same minute, application, grant
    upserts = [q["sql"] for q in flushing.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(upserts) == 1 and "ON CONFLICT" in upserts[0].upper()
    assert len(flushing.captured_queries) == 1  # the issuing application needs no lookup
    row = UsageCount.objects.get()
    assert (row.application_pk, row.api_type, row.event, row.detail, row.count) == (
        marketplace_app.pk,
        "marketplace",
        UsageEvent.ISSUED,
        "client_credentials",
        N,
    )

    with CaptureQueriesContext(connection) as idle:
        assert flush() == 0
    assert idle.captured_queries == []  # nothing counted, nothing written


def test_a_second_flush_adds_to_the_same_minute_instead_of_overwriting(token_endpoint, marketplace_app):
    for _ in range(3):
        token_endpoint.post(anonymous(marketplace_app))
    flush()
    for _ in range(4):
        token_endpoint.post(anonymous(marketplace_app))
    flush()
    # Two processes' flushes of one minute are the same upsert: additions, never a read-then-write.
    assert sum(UsageCount.objects.values_list("count", flat=True)) == 7
    assert UsageCount.objects.count() <= 2  # 1, or 2 when the minute turned between the bursts


def test_refusals_name_the_claimed_application_resolved_once_per_flush(token_endpoint, marketplace_app):
    other = ApplicationFactory()
    for app in (marketplace_app, marketplace_app, other):
        params = {"client_id": str(app.client_id), "client_secret": "wrong", "grant_type": "client_credentials"}
        assert token_endpoint.post(params).status_code == 401
    token_endpoint.post({"client_id": "00000000-0000-4000-8000-000000000000", "grant_type": "client_credentials"})
    with CaptureQueriesContext(connection) as flushing:
        flush()
    assert len(flushing.captured_queries) == 2  # one SELECT resolving the client IDs, one upsert
    refused = {
        (r.application_pk, r.api_type, r.detail): r.count for r in UsageCount.objects.filter(event=UsageEvent.REFUSED)
    }
    assert refused == {
        (marketplace_app.pk, "marketplace", "invalid_client"): 2,
        (other.pk, "marketplace", "invalid_client"): 1,
        (0, "", "invalid_client"): 1,  # nobody's client ID: counted, attributed to no application
    }


def test_user_logins_and_refreshes_count_per_grant_without_personal_data(token_endpoint, marketplace_app, user):
    tokens = login(token_endpoint, marketplace_app, user)
    refreshed = token_endpoint.post(
        {
            "client_id": str(marketplace_app.client_id),
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
        }
    )
    assert refreshed.status_code == 200
    token_endpoint.post(
        {"client_id": str(marketplace_app.client_id), "grant_type": "password", "username": user.email, "password": "x"}
    )
    flush()
    rows = list(UsageCount.objects.values_list("event", "detail", "count"))
    assert sorted(rows) == [("issued", "password", 1), ("issued", "refresh_token", 1), ("refused", "invalid_grant", 1)]
    stored = " ".join(str(v) for row in UsageCount.objects.values_list() for v in row)
    assert user.email not in stored and "x" not in [r.detail for r in UsageCount.objects.all()]
    assert {f.name for f in UsageCount._meta.fields} == {
        "id",
        "minute",
        "application_pk",
        "api_type",
        "event",
        "detail",
        "ip_tag",
        "count",
    }  # no user, username or token column to fill
