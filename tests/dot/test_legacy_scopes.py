"""FLEX_AUTH['LEGACY_SCOPES']: DOT's scope names mapped onto ours, for DOT's tools and our permissions alike."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from oauth2_provider.oauth2_backends import get_oauthlib_core

from flex_auth_django.checks.settings import check_flex_settings
from flex_auth_django.dot.adoption.importer import Report
from flex_auth_django.models import TokenKind
from flex_auth_django.resource import access
from tests.factories import AccessTokenFactory


def e016(settings, value) -> list[str]:
    settings.FLEX_AUTH = {"LEGACY_SCOPES": value}
    return [m.msg for m in check_flex_settings(None) if m.id == "flex_auth.E016"]


@pytest.mark.parametrize(
    "value",
    [{"read": "user"}, {"read": ["user", "integ"]}, {"read": ("user",), "write": "trusted:user"}, {}],
)
def test_mappings_onto_our_scopes_pass_the_checks(settings, value):
    assert e016(settings, value) == []


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ({"read": "usr"}, "unknown scopes ['usr']"),
        ({"read": ["user", "admin"]}, "unknown scopes ['admin']"),
        ({"user": "integ"}, "one of this server's scopes"),
        ({"read": 3}, "must be a dict"),
        ({"read": []}, "must be a dict"),
        ({"read write": "user"}, "must be a dict"),
        (["read"], "must be a dict"),
    ],
)
def test_a_mapping_that_grants_nothing_or_shadows_ours_is_an_error(settings, value, says):
    messages = e016(settings, value)
    assert len(messages) == 1 and says in messages[0], messages


def test_a_view_may_require_a_mapped_name_and_not_an_unmapped_one(settings):
    with pytest.raises(ImproperlyConfigured, match="LEGACY_SCOPES"):
        access.requirement(["read"])
    settings.FLEX_AUTH = {"LEGACY_SCOPES": {"read": "user", "sync": "integ", "any": ["user", "integ"]}}
    assert access.requirement(["read"]) == {"read"}
    assert access.requirement(["any"]) == {"any"}  # a name mapped onto both APIs stands alone
    with pytest.raises(ImproperlyConfigured, match="both the Marketplace and the Integration API"):
        access.requirement(["read", "sync"])


@pytest.mark.django_db
def test_dot_s_verify_request_and_our_denial_use_the_mapping(settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "LEGACY_SCOPES": {"read": "user", "write": ["user", "integ"]}}
    user_token, integ_token = AccessTokenFactory(), AccessTokenFactory(integration=True)

    def dot_allows(token, scopes) -> bool:
        valid, _ = get_oauthlib_core().server.verify_request(
            "http://testserver/", headers={"Authorization": f"Bearer {token.raw}"}, scopes=scopes
        )
        return valid

    assert dot_allows(user_token, ["read"]) and dot_allows(user_token, ["read", "write"])
    assert not dot_allows(integ_token, ["read"]) and dot_allows(integ_token, ["write"])
    assert not dot_allows(user_token, ["unmapped"])
    assert user_token.is_valid(["read"]) and not integ_token.is_valid(["read"])  # TokenHasScope's question
    assert access.denial(user_token, frozenset({"read"})) is None
    refused = access.denial(integ_token, frozenset({"read"}))
    assert refused.error == "insufficient_scope" and "'user'" in refused.description  # named by our scope


@pytest.mark.django_db
def test_a_trusted_user_token_counts_as_user_for_dot_s_tools_and_login_as_does_not(settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "LEGACY_SCOPES": {"read": "user", "ops": ["user", "user:limited"]}}
    trusted = AccessTokenFactory(trusted=True)
    limited = AccessTokenFactory(kind=TokenKind.LOGIN_AS, scope="user:limited", family=None)
    assert trusted.allow_scopes(["user"]) and trusted.allow_scopes(["read"])
    assert not limited.allow_scopes(["user"]) and not limited.allow_scopes(["read"])
    assert limited.allow_scopes(["ops"]) and limited.allow_scopes(["public-read"])


def test_flex_adopt_dot_prints_the_mapping_ready_to_paste():
    report = Report(legacy_scopes={"read": {"user", "integ"}, "write": {"user"}, "user": {"user"}})
    assert report.legacy_scopes_setting() == 'FLEX_AUTH["LEGACY_SCOPES"] = {"read": ["integ", "user"], "write": "user"}'
    assert Report().legacy_scopes_setting() is None
