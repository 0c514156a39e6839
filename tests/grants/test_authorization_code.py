"""POST token grant_type=authorization_code: what sdk.loginAs() sends (spec: Login as user, step 4)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from flex_auth_django import signals
from flex_auth_django.models import AccessToken, AuthorizationCode, RefreshToken, Session, TokenKind
from tests.console import REDIRECT_URI, make_code, marketplace, verifier
from tests.factories import ApplicationFactory, UserFactory
from tests.helpers import SDK_TOKEN_URL, Endpoint

pytestmark = pytest.mark.django_db


def invalid_grant(response) -> str:
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["error"] == "invalid_grant" and set(body) == {"error", "error_description"}
    assert response["Cache-Control"] == "no-store"
    return body["error_description"]


def invalid_request(response) -> str:
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_request"
    return response.json()["error_description"]


class TestSuccess:
    def test_a_limited_token_for_30_minutes_without_refresh_token(self, token_endpoint):
        code = make_code()
        response = token_endpoint.post(code.token_params())
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
        assert body["token_type"] == "bearer" and body["scope"] == "user:limited"
        assert body["expires_in"] == 1800
        assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"
        token = AccessToken.objects.get()
        assert token.kind == TokenKind.LOGIN_AS and token.scope == "user:limited"
        assert token.user == code.user and token.acted_by == code.staff
        assert body["access_token"] not in token.digest
        # The session the admin lists: one row, with who acted, ending with the token.
        session = Session.objects.live().get()
        assert session.family == token.family and session.acted_by == code.staff
        assert session.expires == token.expires and session.kind == TokenKind.LOGIN_AS
        code_row = AuthorizationCode.objects.get()
        assert code_row.redeemed is not None and code_row.family == token.family

    def test_at_the_sdk_path_too(self, client):
        response = Endpoint(client, SDK_TOKEN_URL).post(make_code().token_params())
        assert response.status_code == 200 and response.json()["scope"] == "user:limited"

    def test_a_sent_secret_must_be_right(self, token_endpoint):
        code = make_code()
        assert token_endpoint.post(code.token_params(client_secret=code.app.secret)).status_code == 200
        other = make_code()
        response = token_endpoint.post(other.token_params(client_secret="flxs_" + "A" * 43))
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"

    def test_scope_setting_user_as_in_sharetribe_dev_and_test(self, token_endpoint, settings):
        settings.FLEX_AUTH = {"LOGIN_AS_SCOPE": "user"}
        response = token_endpoint.post(make_code().token_params())
        assert response.status_code == 200 and response.json()["scope"] == "user"
        assert AccessToken.objects.get().kind == TokenKind.LOGIN_AS

    def test_lifetime_setting(self, token_endpoint, settings):
        settings.FLEX_AUTH = {"LOGIN_AS_TOKEN_LIFETIME": 120}
        assert token_endpoint.post(make_code().token_params()).json()["expires_in"] == 120

    def test_requesting_the_scope_explicitly(self, token_endpoint):
        assert token_endpoint.post(make_code().token_params(scope="user:limited")).status_code == 200

    def test_introspection_names_the_staff_member_as_act(self, token_endpoint, introspect_endpoint):
        code = make_code()
        access = token_endpoint.post(code.token_params()).json()["access_token"]
        app = code.app
        info = introspect_endpoint.post(
            {"client_id": str(app.client_id), "client_secret": app.secret, "token": access}
        ).json()
        assert info["active"] is True and info["scope"] == "user:limited"
        assert info["sub"] == str(code.user.pk)
        assert info["act"] == {"sub": str(code.staff.pk)}

    def test_login_as_started_signal_and_audit_record(self, token_endpoint, caplog):
        seen = []

        def receiver(sender, **kwargs):
            seen.append(kwargs)

        signals.login_as_started.connect(receiver)
        try:
            code = make_code()
            with caplog.at_level(logging.INFO, logger="flex_auth_django.security"):
                response = token_endpoint.post(code.token_params(), REMOTE_ADDR="203.0.113.9")
        finally:
            signals.login_as_started.disconnect(receiver)
        assert response.status_code == 200
        assert len(seen) == 1
        event = seen[0]
        assert (event["application"], event["user"], event["staff"]) == (code.app, code.user, code.staff)
        assert event["ip"] == "198.51.100.7" and event["client_ip"] == "203.0.113.9"
        assert event["family"] == AccessToken.objects.get().family
        records = [
            r.flex_auth for r in caplog.records if getattr(r, "flex_auth", {}).get("event") == "login_as_started"
        ]
        assert len(records) == 1
        record = records[0]
        assert record["staff_id"] == code.staff.pk and record["user_id"] == code.user.pk
        assert record["client_id"] == str(code.app.client_id) and record["ip"] == "198.51.100.7"
        assert response.json()["access_token"] not in caplog.text and code.raw not in caplog.text


class TestInvalidGrant:
    def test_wrong_verifier(self, token_endpoint):
        code = make_code()
        assert "code_verifier" in invalid_grant(token_endpoint.post(code.token_params(code_verifier=verifier())))
        # The code was not used up by a wrong guess: the right verifier still works once.
        assert token_endpoint.post(code.token_params()).status_code == 200

    def test_the_challenge_itself_as_verifier(self, token_endpoint):
        code = make_code()
        from flex_auth_django.console import pkce

        invalid_grant(token_endpoint.post(code.token_params(code_verifier=pkce.challenge_of(code.verifier))))

    @pytest.mark.parametrize(
        "redirect_uri",
        [
            "https://market.example.com/api/login-as/",
            "https://market.example.com/api/login-as?x=1",
            "https://MARKET.example.com/api/login-as",
            "https://other.example.com/api/login-as",
            "http://market.example.com/api/login-as",
            "undefined",
        ],
    )
    def test_other_redirect_uri(self, token_endpoint, redirect_uri):
        code = make_code()
        assert "redirect_uri" in invalid_grant(token_endpoint.post(code.token_params(redirect_uri=redirect_uri)))

    def test_expired_code(self, token_endpoint):
        code = make_code()
        AuthorizationCode.objects.update(expires=timezone.now() - timedelta(seconds=1))
        invalid_grant(token_endpoint.post(code.token_params()))
        assert not AccessToken.objects.exists()

    def test_code_lives_60_seconds(self):
        make_code()
        row = AuthorizationCode.objects.get()
        assert (row.expires - row.created) == timedelta(seconds=60)

    def test_used_code_is_refused_and_revokes_what_it_issued(self, token_endpoint):
        code = make_code()
        first = token_endpoint.post(code.token_params())
        assert first.status_code == 200
        invalid_grant(token_endpoint.post(code.token_params()))
        token = AccessToken.objects.get()
        assert token.revoked is not None
        assert not Session.objects.live().exists()
        assert RefreshToken.objects.get().revoked is not None

    def test_reuse_with_a_wrong_verifier_also_revokes(self, token_endpoint):
        code = make_code()
        assert token_endpoint.post(code.token_params()).status_code == 200
        invalid_grant(token_endpoint.post(code.token_params(code_verifier=verifier())))
        assert AccessToken.objects.get().revoked is not None

    def test_reuse_is_announced(self, token_endpoint, caplog):
        code = make_code()
        token_endpoint.post(code.token_params())
        with caplog.at_level(logging.INFO, logger="flex_auth_django.security"):
            invalid_grant(token_endpoint.post(code.token_params()))
        events = [getattr(r, "flex_auth", {}).get("event") for r in caplog.records]
        assert "code_reuse_detected" in events

    def test_code_of_another_application(self, token_endpoint):
        code = make_code()
        other = marketplace()
        invalid_grant(token_endpoint.post(code.token_params(client_id=str(other.client_id))))
        assert token_endpoint.post(code.token_params()).status_code == 200  # not burnt by the foreign attempt

    @pytest.mark.parametrize("raw", ["flxc_" + "A" * 43, "flxa_" + "A" * 43, "not-a-code", "undefined", "flxc_短"])
    def test_unknown_or_malformed_code(self, token_endpoint, raw):
        code = make_code()
        invalid_grant(token_endpoint.post(code.token_params(code=raw)))

    def test_inactive_user(self, token_endpoint):
        code = make_code()
        code.user.is_active = False
        code.user.save()
        invalid_grant(token_endpoint.post(code.token_params()))

    def test_inactive_staff_member(self, token_endpoint):
        code = make_code()
        type(code.staff).objects.filter(pk=code.staff.pk).update(is_active=False)
        invalid_grant(token_endpoint.post(code.token_params()))

    def test_status_setting_400(self, token_endpoint, settings):
        settings.FLEX_AUTH = {"INVALID_GRANT_STATUS": 400}
        code = make_code()
        response = token_endpoint.post(code.token_params(code_verifier=verifier()))
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


class TestOtherErrors:
    @pytest.mark.parametrize("missing", ["code", "redirect_uri", "code_verifier"])
    def test_missing_parameter(self, token_endpoint, missing):
        code = make_code()
        assert missing in invalid_request(token_endpoint.post(code.token_params(**{missing: None})))

    @pytest.mark.parametrize("bad", ["short", "A" * 129, "A" * 42 + "!", "A" * 42 + " "])
    def test_malformed_verifier(self, token_endpoint, bad):
        code = make_code()
        invalid_request(token_endpoint.post(code.token_params(code_verifier=bad)))
        assert token_endpoint.post(code.token_params()).status_code == 200

    def test_repeated_parameter(self, token_endpoint):
        code = make_code()
        params = code.token_params()
        params["code"] = [code.raw, code.raw]
        invalid_request(token_endpoint.post(params))

    def test_other_scope(self, token_endpoint):
        for scope in ("user", "trusted:user", "public-read", "user:limited user"):
            response = token_endpoint.post(make_code().token_params(scope=scope))
            assert response.status_code == 400 and response.json()["error"] == "invalid_scope"

    def test_unknown_and_inactive_client(self, token_endpoint):
        code = make_code()
        response = token_endpoint.post(code.token_params(client_id="11111111-1111-1111-1111-111111111111"))
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"
        type(code.app).objects.filter(pk=code.app.pk).update(is_active=False)
        response = token_endpoint.post(code.token_params())
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"

    def test_integration_application_is_unauthorized_client(self, token_endpoint):
        integ = ApplicationFactory(integration=True)
        response = token_endpoint.post(
            {
                "client_id": str(integ.client_id),
                "client_secret": integ.secret,
                "grant_type": "authorization_code",
                "code": "flxc_" + "A" * 43,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier(),
            }
        )
        assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"

    def test_the_session_row_cannot_be_refreshed(self, token_endpoint):
        code = make_code()
        token_endpoint.post(code.token_params())
        anchor = RefreshToken.objects.get()
        for candidate in (anchor.digest, anchor.digest.split("$", 1)[1], "flxr_" + "A" * 43):
            response = token_endpoint.post(
                {"client_id": str(code.app.client_id), "grant_type": "refresh_token", "refresh_token": candidate}
            )
            invalid_grant(response)

    def test_metadata_lists_the_grant(self, client):
        assert (
            "authorization_code"
            in client.get("/.well-known/oauth-authorization-server").json()["grant_types_supported"]
        )


def test_each_code_is_bound_to_its_user(token_endpoint):
    first, second = make_code(), make_code(user=UserFactory())
    token_endpoint.post(first.token_params())
    token_endpoint.post(second.token_params(code=second.raw))
    users = set(AccessToken.objects.values_list("user_id", flat=True))
    assert users == {first.user.pk, second.user.pk}


def test_clear_tokens_deletes_codes_once_their_sessions_are_over():
    from flex_auth_django.tokens.cleanup import clear_dead_tokens

    make_code()
    make_code()
    done, recent = AuthorizationCode.objects.order_by("pk")
    # Expired longer ago than a Login-as token lives: no session of it can still be live.
    AuthorizationCode.objects.filter(pk=done.pk).update(expires=timezone.now() - timedelta(seconds=1801))
    # Expired, but a replay of it must still revoke the session it started.
    AuthorizationCode.objects.filter(pk=recent.pk).update(expires=timezone.now() - timedelta(seconds=60))
    assert clear_dead_tokens(dry_run=True).deleted["authorization codes"] == 1
    assert AuthorizationCode.objects.count() == 2
    assert clear_dead_tokens().deleted["authorization codes"] == 1
    assert list(AuthorizationCode.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "authorization codes" not in clear_dead_tokens().deleted
