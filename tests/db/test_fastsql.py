"""fastsql: its statements give the same rows and instances as the ORM, and the ORM runs where they would not."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from flex_auth_django.db import statements as fastsql
from flex_auth_django.models import AccessToken, Application, RefreshToken, TokenKind
from flex_auth_django.tokens import digests, generate
from tests.factories import AccessTokenFactory, ApplicationFactory, RefreshTokenFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["statements", "orm"])
def path(request, monkeypatch):
    """Every test runs twice: on fastsql's own statements, and with them switched off (the ORM fallback)."""
    if request.param == "orm":
        monkeypatch.setattr(fastsql, "SUPPORTED_VENDORS", frozenset())
    return request.param


def values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def new_access(application, user=None, **overrides) -> AccessToken:
    now = timezone.now()
    fields = {
        "digest": digests.make(generate.access_token()),
        "application": application,
        "user": user,
        "kind": TokenKind.USER if user else TokenKind.ANONYMOUS,
        "scope": "user" if user else "public-read",
        "family": uuid.uuid4(),
        "created": now,
        "expires": now + timedelta(minutes=10),
    }
    return AccessToken(**{**fields, **overrides})


def test_get_loads_the_row_and_its_relations_in_one_query(path):
    token = AccessTokenFactory()
    expected = AccessToken.objects.select_related("application", "user").get(pk=token.pk)
    with CaptureQueriesContext(connection) as queries:
        found = fastsql.get(AccessToken, "digest", token.digest, related=("application", "user"))
        assert values(found) == values(expected)
        assert values(found.application) == values(expected.application)
        assert values(found.user) == values(expected.user)
        assert found._state.adding is False and found._state.db == "default"
    assert len(queries) == 1


def test_get_a_missing_nullable_relation_is_none_without_a_query(path):
    token = AccessTokenFactory(anonymous=True)
    with CaptureQueriesContext(connection) as queries:
        found = fastsql.get(AccessToken, "digest", token.digest, related=("application", "user"))
        assert found.user is None and found.application.pk == token.application_id
    assert len(queries) == 1


def test_get_by_uuid_and_by_unknown_value(path):
    application = ApplicationFactory()
    assert fastsql.get(Application, "client_id", application.client_id).pk == application.pk
    assert fastsql.get(Application, "client_id", str(application.client_id)).pk == application.pk
    assert fastsql.get(Application, "client_id", uuid.uuid4()) is None
    assert fastsql.get(AccessToken, "digest", "hmac-sha256$k$nothing", related=("user",)) is None


def test_insert_sets_the_primary_key_of_a_row_the_orm_reads_back_identically(path):
    application, user = ApplicationFactory(), UserFactory()
    token = fastsql.insert(new_access(application, user))
    assert token.pk is not None and token._state.adding is False
    assert values(AccessToken.objects.get(pk=token.pk)) == values(token)


def test_insert_all_writes_every_row(path):
    application, user = ApplicationFactory(), UserFactory()
    refresh = RefreshTokenFactory.build(application=application, user=user)
    access = new_access(application, user, family=refresh.family)
    fastsql.insert_all(refresh, access)
    assert values(RefreshToken.objects.get(pk=refresh.pk)) == values(refresh)
    assert values(AccessToken.objects.get(pk=access.pk)) == values(access)


@pytest.mark.django_db(transaction=True)  # no test transaction around it: insert_all's own atomicity is tested
def test_insert_all_writes_no_row_when_one_fails(path):
    application = ApplicationFactory()
    taken = AccessTokenFactory(application=application)
    first = new_access(application)
    clash = new_access(application, digest=taken.digest)  # the unique digest is already there
    with pytest.raises(IntegrityError):
        fastsql.insert_all(first, clash)
    assert not AccessToken.objects.filter(digest=first.digest).exists()
    assert AccessToken.objects.count() == 1


def test_insert_calls_save_while_anyone_listens_to_save_signals(path):
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(receiver, sender=AccessToken)
    try:
        token = fastsql.insert(new_access(ApplicationFactory()))
        refresh = RefreshTokenFactory.build(application=ApplicationFactory(), user=UserFactory())
        access = new_access(refresh.application)
        fastsql.insert_all(refresh, access)
    finally:
        post_save.disconnect(receiver, sender=AccessToken)
    assert seen == [(token.pk, True), (access.pk, True)]


def test_update_unset_changes_the_row_once(path):
    token = RefreshTokenFactory()
    now = timezone.now()
    assert fastsql.update_unset(RefreshToken, token.pk, {"retired": now}, unset=("retired", "revoked")) == 1
    assert fastsql.update_unset(RefreshToken, token.pk, {"retired": timezone.now()}, unset=("retired",)) == 0
    token.refresh_from_db()
    assert token.retired == now


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_get_for_update_outside_a_transaction_is_refused_like_the_orm():
    token = AccessTokenFactory()
    with pytest.raises(TransactionManagementError):
        AccessToken.objects.select_for_update(of=("self",)).filter(digest=token.digest).first()
    with pytest.raises(TransactionManagementError):
        fastsql.get(AccessToken, "digest", token.digest, for_update=True)
    with transaction.atomic():
        assert fastsql.get(AccessToken, "digest", token.digest, for_update=True).pk == token.pk
