"""access.py: reading the Bearer header, the scopes a token grants, validating requirements."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from flex_auth_django.protocol.errors import InsufficientScope, InvalidToken, MissingToken
from flex_auth_django.resource import access
from flex_auth_django.tokens.scopes import implied
from tests.factories import AccessTokenFactory


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("Basic abc", None),
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("BEARER   abc  ", "abc"),
        ("Bearer", ""),
        ("Bearer a b", "a b"),
        ("Bearerabc", None),
    ],
)
def test_bearer_token(header, expected):
    headers = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    assert access.bearer_token(RequestFactory().get("/", **headers)) == expected


def test_scopes_nest_within_one_api():
    assert implied("trusted:user") == {"trusted:user", "user", "public-read"}
    assert implied("user") == {"user", "public-read"}
    assert implied("public-read") == {"public-read"}
    assert implied("integ") == {"integ"}
    assert implied("unknown") == set()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("traits", "granted"),
    [
        ({"anonymous": True}, {"public-read"}),
        ({}, {"user", "public-read"}),
        ({"trusted": True}, {"trusted:user", "user", "public-read"}),
        ({"integration": True}, {"integ"}),
        # A user token without a user (a row the token service never writes) keeps only public-read.
        ({"user": None}, {"public-read"}),
    ],
)
def test_granted(traits, granted):
    assert access.granted(AccessTokenFactory(**traits)) == granted


def test_requirement_rejects_mistakes():
    assert access.requirement(["user"]) == {"user"}
    for bad in ([], ["nope"], ["user", "integ"]):
        with pytest.raises(ImproperlyConfigured):
            access.requirement(bad)


@pytest.mark.django_db
def test_denial_names_the_problem():
    assert isinstance(access.denial(None, frozenset({"user"})), MissingToken)
    error = access.denial(AccessTokenFactory(anonymous=True), frozenset({"user"}))
    assert isinstance(error, InsufficientScope)
    assert error.required == ["user"]
    assert "Marketplace API" in error.description
    assert access.denial(AccessTokenFactory(), frozenset({"public-read"})) is None


@pytest.mark.django_db
def test_an_invalid_token_is_remembered_for_the_request(django_assert_num_queries):
    request = RequestFactory().get("/", HTTP_AUTHORIZATION="Bearer flxa_" + "x" * 43)
    with django_assert_num_queries(1):
        for _ in range(2):
            with pytest.raises(InvalidToken):
                access.authenticate(request)


def test_a_malformed_token_costs_no_query():
    # No django_db mark: any query would raise RuntimeError instead of InvalidToken.
    request = RequestFactory().get("/", HTTP_AUTHORIZATION="Bearer not-ours")
    with pytest.raises(InvalidToken):
        access.authenticate(request)
