"""Signed access tokens as clients and resource servers see them: formats, claims, keys, JWKS.

Revocation of signed tokens: tests/tokens/test_signed_revocation.py.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import jwt
import pytest
from django.utils import timezone

from flex_auth_django import tokens
from flex_auth_django.models import AccessToken, RefreshToken, TokenKind
from flex_auth_django.signing.keys import load_key, public_jwk, thumbprint
from tests.helpers import exchange, login
from tests.signing import ISSUER, b64, claims_like, forge, form, header_and_claims, kid, now, pem, token, use_keys

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_protected")]

JWKS_URL = "/oauth/jwks.json"
METADATA_URL = "/.well-known/oauth-authorization-server"


@pytest.fixture(autouse=True)
def _one_key(settings):
    use_keys(settings, ("a", "active"))


def anonymous(client, app) -> str:
    return token(client, client_id=str(app.client_id), grant_type="client_credentials")["access_token"]


def integration(client, app) -> dict:
    """The token response of an Integration app's client_credentials grant."""
    return token(client, client_id=str(app.client_id), client_secret=app.secret, grant_type="client_credentials")


def whoami(client, raw: str, url: str = "/drf/open"):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")


# -- formats --------------------------------------------------------------------------------------


class TestFormats:
    def test_anonymous_tokens_are_signed_and_write_no_row(self, client, marketplace_app):
        for _ in range(3):
            raw = anonymous(client, marketplace_app)
            assert raw.count(".") == 2
        assert AccessToken.objects.count() == 0 and RefreshToken.objects.count() == 0

    def test_integration_tokens_are_signed_and_only_the_refresh_token_is_stored(self, client, integration_app):
        body = integration(client, integration_app)
        assert body["access_token"].count(".") == 2 and body["refresh_token"].startswith("flxr_")
        assert AccessToken.objects.count() == 0 and RefreshToken.objects.count() == 1

    def test_user_and_trusted_tokens_are_opaque_by_default(self, client, marketplace_app, user):
        session = login(client_endpoint(client), marketplace_app, user)
        assert session["access_token"].startswith("flxa_")
        trusted = token(client, **exchange(marketplace_app, session["access_token"]))
        assert trusted["access_token"].startswith("flxa_")
        assert AccessToken.objects.count() == 2

    def test_every_kind_can_be_switched(self, client, marketplace_app, integration_app, user, token_formats):
        token_formats(anonymous="opaque", integration="opaque", user="signed", trusted_user="signed")
        assert anonymous(client, marketplace_app).startswith("flxa_")
        integ = integration(client, integration_app)
        assert integ["access_token"].startswith("flxa_")
        session = login(client_endpoint(client), marketplace_app, user)
        assert session["access_token"].count(".") == 2
        trusted = token(client, **exchange(marketplace_app, session["access_token"]))
        assert trusted["access_token"].count(".") == 2
        assert AccessToken.objects.count() == 2  # the two opaque ones

    def test_without_signing_keys_every_kind_is_opaque(self, client, settings, marketplace_app):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "SIGNING_KEYS": None}
        assert anonymous(client, marketplace_app).startswith("flxa_")
        assert AccessToken.objects.count() == 1

    def test_only_next_keys_means_opaque_until_one_is_active(self, client, settings, marketplace_app):
        use_keys(settings, ("b", "next"))
        assert anonymous(client, marketplace_app).startswith("flxa_")

    def test_the_token_response_is_the_sdk_contract_and_small(self, client, settings, integration_app):
        use_keys(settings, ("r", "active", "RS256"))
        response = form(
            client,
            "/v1/auth/token",
            {
                "client_id": str(integration_app.client_id),
                "client_secret": integration_app.secret,
                "grant_type": "client_credentials",
            },
        )
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_in", "scope", "refresh_token"}
        assert body["token_type"] == "bearer" and body["expires_in"] == 600 and body["scope"] == "integ"
        assert len(response.content) < 1500  # the SDK keeps the whole JSON in a 4 KB cookie

    def test_a_signed_token_refreshes_into_a_signed_token_of_the_same_session(self, client, integration_app):
        first = integration(client, integration_app)
        again = token(
            client,
            client_id=str(integration_app.client_id),
            grant_type="refresh_token",
            refresh_token=first["refresh_token"],
        )
        sid = header_and_claims(first["access_token"])[1]["sid"]
        assert header_and_claims(again["access_token"])[1]["sid"] == sid
        assert AccessToken.objects.count() == 0
        assert whoami(client, again["access_token"], "/plain/integ").status_code == 200

    def test_a_refresh_retried_within_grace_keeps_the_session_and_gets_a_working_token(self, client, integration_app):
        first = integration(client, integration_app)
        params = {
            "client_id": str(integration_app.client_id),
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
        }
        one, two = token(client, **params), token(client, **params)
        assert one["refresh_token"] == two["refresh_token"]
        assert whoami(client, two["access_token"], "/plain/integ").status_code == 200


def client_endpoint(client):
    from tests.helpers import TOKEN_URL, Endpoint

    return Endpoint(client, TOKEN_URL)


# -- claims ---------------------------------------------------------------------------------------


class TestClaims:
    def test_anonymous_token_header_and_claims(self, client, marketplace_app):
        before = now()
        header, claims = header_and_claims(anonymous(client, marketplace_app))
        assert header == {"alg": "ES256", "kid": kid("a"), "typ": "at+jwt"}
        client_id = str(marketplace_app.client_id)
        assert claims["iss"] == ISSUER
        assert claims["aud"] == f"{ISSUER}/marketplace-api"
        assert claims["sub"] == client_id and claims["client_id"] == client_id
        assert claims["scope"] == "public-read"
        assert before <= claims["iat"] <= now()
        assert claims["exp"] - claims["iat"] in (600, 601)
        assert len(claims["jti"]) >= 22
        assert "sid" not in claims  # no session
        assert set(claims) == {"iss", "aud", "sub", "client_id", "scope", "iat", "exp", "jti"}

    def test_every_token_has_its_own_jti(self, client, marketplace_app):
        jtis = {header_and_claims(anonymous(client, marketplace_app))[1]["jti"] for _ in range(5)}
        assert len(jtis) == 5

    def test_integration_token_names_its_session_and_audience(self, client, integration_app):
        body = integration(client, integration_app)
        claims = header_and_claims(body["access_token"])[1]
        assert claims["aud"] == f"{ISSUER}/integration-api" and claims["scope"] == "integ"
        assert claims["sub"] == str(integration_app.client_id)
        assert uuid.UUID(claims["sid"]) == RefreshToken.objects.get().family

    def test_user_and_trusted_tokens_name_their_user(self, client, marketplace_app, user, all_signed):
        session = login(client_endpoint(client), marketplace_app, user)
        claims = header_and_claims(session["access_token"])[1]
        assert claims["sub"] == str(user.pk) and claims["scope"] == "user"
        assert uuid.UUID(claims["sid"]) == RefreshToken.objects.get().family
        trusted = token(client, **exchange(marketplace_app, session["access_token"]))
        trusted_claims = header_and_claims(trusted["access_token"])[1]
        assert trusted_claims["sub"] == str(user.pk) and trusted_claims["scope"] == "trusted:user"
        assert trusted_claims["sid"] == claims["sid"]
        assert trusted_claims["exp"] <= claims["exp"]  # never past its subject
        assert trusted_claims["jti"].split(".")[1] == claims["jti"]  # names its subject

    def test_configured_audiences(self, client, settings, marketplace_app):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "ACCESS_TOKEN_AUDIENCES": {"marketplace": "https://api.test"}}
        raw = anonymous(client, marketplace_app)
        assert header_and_claims(raw)[1]["aud"] == "https://api.test"
        assert whoami(client, raw, "/plain/public-read").status_code == 200

    def test_pyjwt_verifies_it_against_the_jwks_as_an_external_resource_server_would(self, client, marketplace_app):
        raw = anonymous(client, marketplace_app)
        keys = client.get(JWKS_URL).json()["keys"]
        header = jwt.get_unverified_header(raw)
        jwk = next(k for k in keys if k["kid"] == header["kid"])
        claims = jwt.decode(
            raw,
            jwt.PyJWK(jwk).key,
            algorithms=[jwk["alg"]],
            audience=f"{ISSUER}/marketplace-api",
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "sub", "aud", "client_id", "jti"]},
        )
        assert claims["client_id"] == str(marketplace_app.client_id)


# -- the resource side ----------------------------------------------------------------------------


class TestResourceSide:
    def test_request_auth_has_the_attributes_of_a_token_row(self, client, marketplace_app, user, all_signed):
        from rest_framework.request import Request
        from rest_framework.test import APIRequestFactory

        from flex_auth_django.resource.authentication import FlexTokenAuthentication

        session = login(client_endpoint(client), marketplace_app, user)
        request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {session['access_token']}"))
        who, auth = FlexTokenAuthentication().authenticate(request)
        assert who == user and auth.user == user
        assert auth.kind == TokenKind.USER and auth.scopes == ["user"] and auth.scope == "user"
        assert auth.application == marketplace_app and auth.application.name == marketplace_app.name
        assert auth.expires > timezone.now() + timedelta(seconds=590)
        assert auth.family == RefreshToken.objects.get().family
        assert auth.is_valid(["user"]) and not auth.is_valid(["integ"])

    @pytest.mark.parametrize(
        ("url", "status"),
        [("/plain/public-read", 200), ("/plain/user", 403), ("/plain/integ", 403), ("/drf/anonymous-only", 200)],
    )
    def test_an_anonymous_token_gets_what_its_scope_allows(self, client, marketplace_app, url, status):
        assert whoami(client, anonymous(client, marketplace_app), url).status_code == status

    def test_a_signed_token_is_judged_without_a_query_once_its_application_is_known(
        self, client, marketplace_app, django_assert_num_queries
    ):
        raw = anonymous(client, marketplace_app)
        whoami(client, raw)
        with django_assert_num_queries(0):
            assert whoami(client, raw, "/plain/public-read").json()["kind"] == "anonymous"

    def test_an_expired_token_is_refused(self, client, marketplace_app):
        raw = anonymous(client, marketplace_app)
        expired = forge(claims_like(raw, iat=now() - 700, exp=now() - 100))
        response = whoami(client, expired)
        assert response.status_code == 401 and response.json()["error"] == "invalid_token"

    def test_an_integration_token_is_not_a_marketplace_token(self, client, integration_app, marketplace_app):
        body = integration(client, integration_app)
        assert whoami(client, body["access_token"], "/plain/public-read").status_code == 403
        # Claiming the marketplace audience while naming the integration app is refused too.
        forged = forge(claims_like(body["access_token"], aud=f"{ISSUER}/marketplace-api", scope="public-read"))
        assert whoami(client, forged).status_code == 401

    def test_a_token_of_an_unknown_application_is_refused(self, client, marketplace_app):
        raw = anonymous(client, marketplace_app)
        stranger = str(uuid.uuid4())
        assert whoami(client, forge(claims_like(raw, client_id=stranger, sub=stranger))).status_code == 401

    def test_introspection_of_a_signed_token(self, client, integration_app):
        body = integration(client, integration_app)
        claims = header_and_claims(body["access_token"])[1]
        answer = form(
            client,
            "/oauth/introspect",
            {
                "client_id": str(integration_app.client_id),
                "client_secret": integration_app.secret,
                "token": body["access_token"],
            },
        ).json()
        assert answer == {
            "active": True,
            "scope": "integ",
            "client_id": str(integration_app.client_id),
            "token_type": "access_token",
            "exp": claims["exp"],
            "iat": claims["iat"],
            "iss": claims["iss"],
        }

    def test_a_signed_user_token_can_be_exchanged_and_used(self, client, marketplace_app, user, all_signed):
        session = login(client_endpoint(client), marketplace_app, user)
        trusted = token(client, **exchange(marketplace_app, session["access_token"]))
        assert whoami(client, trusted["access_token"], "/plain/trusted:user").json()["kind"] == "trusted_user"
        # An anonymous token is no subject.
        refused = form(client, "/oauth/token", exchange(marketplace_app, anonymous(client, marketplace_app)))
        assert refused.status_code == 401

    def test_a_deactivated_user_s_signed_token_stops_working(self, client, marketplace_app, user, all_signed):
        session = login(client_endpoint(client), marketplace_app, user)
        user.is_active = False
        user.save()
        assert whoami(client, session["access_token"], "/plain/user").status_code == 401


# -- keys -----------------------------------------------------------------------------------------


class TestKeyStates:
    def test_the_active_key_signs_and_next_keys_are_published_but_do_not(self, client, settings, marketplace_app):
        use_keys(settings, ("a", "active"), ("b", "next"))
        raw = anonymous(client, marketplace_app)
        assert jwt.get_unverified_header(raw)["kid"] == kid("a")
        assert {k["kid"] for k in client.get(JWKS_URL).json()["keys"]} == {kid("a"), kid("b")}

    def test_a_token_signed_by_a_next_key_verifies(self, client, settings, marketplace_app):
        # Another host already promoted "b": its tokens must work here before this host does.
        raw = anonymous(client, marketplace_app)
        use_keys(settings, ("a", "active"), ("b", "next"))
        from_other_host = forge(claims_like(raw), key_name="b")
        assert whoami(client, from_other_host, "/plain/public-read").status_code == 200

    def test_tokens_of_a_retired_key_verify_until_they_expire(self, client, settings, marketplace_app):
        old = anonymous(client, marketplace_app)
        use_keys(settings, ("b", "active"), ("a", "retired"))
        new = anonymous(client, marketplace_app)
        assert jwt.get_unverified_header(new)["kid"] == kid("b")
        assert whoami(client, old, "/plain/public-read").status_code == 200
        assert whoami(client, new, "/plain/public-read").status_code == 200

    def test_tokens_of_a_removed_key_are_refused(self, client, settings, marketplace_app):
        old = anonymous(client, marketplace_app)
        use_keys(settings, ("b", "active"))
        assert whoami(client, old).status_code == 401

    def test_an_unknown_kid_is_refused(self, client, marketplace_app):
        raw = anonymous(client, marketplace_app)
        assert whoami(client, forge(claims_like(raw), kid="no-such-key")).status_code == 401
        header, payload, signature = raw.split(".")
        no_kid = b64({"alg": "ES256", "typ": "at+jwt"})
        assert whoami(client, f"{no_kid}.{payload}.{signature}").status_code == 401

    @pytest.mark.parametrize("typ", ["JWT", "at+JWT+x", None])
    def test_a_wrong_typ_is_refused(self, client, marketplace_app, typ):
        raw = anonymous(client, marketplace_app)
        assert whoami(client, forge(claims_like(raw), typ=typ)).status_code == 401

    def test_a_critical_header_extension_is_refused(self, client, marketplace_app):
        raw = anonymous(client, marketplace_app)
        assert whoami(client, forge(claims_like(raw), crit=["exp"])).status_code == 401

    def test_application_at_jwt_typ_is_accepted(self, client, marketplace_app):
        raw = anonymous(client, marketplace_app)
        assert whoami(client, forge(claims_like(raw), typ="application/at+jwt")).status_code == 200

    def test_alg_none_is_refused(self, client, marketplace_app):
        raw = anonymous(client, marketplace_app)
        header = b64({"alg": "none", "kid": kid("a"), "typ": "at+jwt"})
        payload = raw.split(".")[1]
        assert whoami(client, f"{header}.{payload}.").status_code == 401
        assert whoami(client, f"{header}.{payload}.{raw.split('.')[2]}").status_code == 401

    def test_hmac_signed_with_the_public_key_is_refused(self, client, marketplace_app):
        import hashlib
        import hmac

        from cryptography.hazmat.primitives import serialization

        raw = anonymous(client, marketplace_app)
        public_pem = load_key({"pem": pem("a")}).public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        signing_input = f"{b64({'alg': 'HS256', 'kid': kid('a'), 'typ': 'at+jwt'})}.{raw.split('.')[1]}"
        mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        import base64

        forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
        assert whoami(client, forged).status_code == 401

    def test_rs256_header_on_an_es256_key_is_refused(self, client, marketplace_app):
        raw = anonymous(client, marketplace_app)
        header = b64({"alg": "RS256", "kid": kid("a"), "typ": "at+jwt"})
        assert whoami(client, f"{header}.{raw.split('.', 1)[1]}").status_code == 401

    def test_a_tampered_payload_is_refused(self, client, marketplace_app):
        raw = anonymous(client, marketplace_app)
        header, _, signature = raw.split(".")
        payload = b64(claims_like(raw, scope="user"))
        assert whoami(client, f"{header}.{payload}.{signature}").status_code == 401

    @pytest.mark.parametrize(
        "changes",
        [
            {"iss": "https://evil.test"},
            {"iss": None},
            {"aud": "https://other.test"},
            {"aud": None},
            {"exp": None},
            {"iat": None},
            {"jti": None},
            {"sub": None},
            {"client_id": None},
            {"iat": "now"},
            {"exp": 10**12, "iat": 10**12},  # issued in the future
            {"nbf": 10**12},  # not valid yet
            {"client_id": "not-a-uuid"},
            {"scope": ["public-read"]},
            {"aud": ["https://auth.example.test/marketplace-api"]},
        ],
        ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()),
    )
    def test_wrong_or_missing_claims_are_refused(self, client, marketplace_app, changes):
        raw = anonymous(client, marketplace_app)
        assert whoami(client, forge(claims_like(raw, **changes))).status_code == 401

    def test_a_forged_claims_value_signed_by_our_key_still_needs_a_matching_kind(self, client, marketplace_app):
        raw = anonymous(client, marketplace_app)
        # A scope no anonymous token carries: the kind cannot be told, so it is refused.
        assert whoami(client, forge(claims_like(raw, scope="user"))).status_code == 401

    def test_rs256_keys_sign_and_verify(self, client, settings, marketplace_app):
        use_keys(settings, ("r", "active", "RS256"))
        raw = anonymous(client, marketplace_app)
        assert jwt.get_unverified_header(raw)["alg"] == "RS256"
        assert whoami(client, raw, "/plain/public-read").status_code == 200

    def test_garbage_that_looks_like_a_jwt_is_refused(self, client):
        for value in ("eyJ.eyJ.x", "eyJhbGciOiJFUzI1NiJ9.e30.", "eyJ" + "A" * 5000 + ".a.b", "eyJ%%%.a.b"):
            assert whoami(client, value).status_code == 401


class TestJWKS:
    def test_the_jwks_publishes_public_keys_only_with_cache_control(self, client, settings):
        use_keys(settings, ("a", "active"), ("b", "next"), ("r", "retired", "RS256"))
        response = client.get(JWKS_URL)
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=900"
        assert response["Content-Type"] == "application/jwk-set+json"
        keys = response.json()["keys"]
        assert [k["kid"] for k in keys] == [kid("a"), kid("b"), kid("r", "RS256")]
        for key in keys:
            assert key["use"] == "sig" and not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
        assert keys[0]["kty"] == "EC" and keys[0]["crv"] == "P-256" and keys[0]["alg"] == "ES256"
        assert keys[2]["kty"] == "RSA" and keys[2]["alg"] == "RS256"

    def test_max_age_follows_the_setting_and_only_get_is_allowed(self, client, settings):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "JWKS_MAX_AGE": 60}
        assert client.get(JWKS_URL)["Cache-Control"] == "public, max-age=60"
        assert client.get("/v1/auth/jwks.json").status_code == 200
        response = client.post(JWKS_URL)
        assert response.status_code == 405 and response.json()["error"]

    def test_kid_is_the_rfc_7638_thumbprint(self):
        # RFC 7638 section 3.1's example key and thumbprint.
        jwk = {
            "kty": "RSA",
            "n": (
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJE"
                "CPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Q"
                "vzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6"
                "WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
            ),
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29",
        }
        assert thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

    def test_the_same_key_has_the_same_kid_wherever_it_is_loaded(self):
        key = load_key({"pem": pem("a")})
        assert key.kid == thumbprint(public_jwk(key.public_key)) == kid("a")

    def test_metadata_names_the_jwks(self, client):
        document = client.get(METADATA_URL).json()
        assert document["jwks_uri"] == f"{ISSUER}/oauth/jwks.json"
        assert document["issuer"] == ISSUER


class TestKeysParsedOnce:
    def test_keys_are_parsed_once_per_process_not_per_request(self, client, marketplace_app, monkeypatch):
        from flex_auth_django.signing import keys

        anonymous(client, marketplace_app)  # the keyring is built now
        calls = []
        monkeypatch.setattr(keys, "load_key", lambda *a, **k: calls.append(a) or load_key(*a, **k))
        for _ in range(3):
            raw = anonymous(client, marketplace_app)
            assert whoami(client, raw).status_code == 200
        assert calls == []

    def test_a_token_presented_again_is_not_verified_again_but_its_expiry_still_counts(
        self, client, marketplace_app, monkeypatch
    ):
        from flex_auth_django.tokens.formats import signed

        raw = anonymous(client, marketplace_app)
        calls = []
        original = signed._verify_static
        monkeypatch.setattr(signed, "_verify_static", lambda r: calls.append(r) or original(r))
        for _ in range(3):
            assert signed.verify(raw) is not None
        assert calls == [raw]
        expiry = header_and_claims(raw)[1]["exp"]
        with mock.patch("flex_auth_django.tokens.formats.signed.timezone.now") as now_:
            now_.return_value = datetime.fromtimestamp(expiry + 1, tz=UTC)
            assert signed.verify(raw) is None
        forged = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
        assert signed.verify(forged) is None and signed.verify(forged) is None
        assert calls.count(forged) == 2  # failures are never remembered

    def test_changed_settings_reload_the_keys(self, client, settings, marketplace_app):
        anonymous(client, marketplace_app)
        use_keys(settings, ("b", "active"))
        assert jwt.get_unverified_header(anonymous(client, marketplace_app))["kid"] == kid("b")


def test_the_token_json_stays_small_for_every_kind(client, settings, marketplace_app, user, all_signed):
    use_keys(settings, ("r4", "active", "RS256"))
    session = login(client_endpoint(client), marketplace_app, user)
    trusted = token(client, **exchange(marketplace_app, session["access_token"]))
    for body in (session, trusted):
        assert len(json.dumps(body)) < 2048
    assert tokens.live_access(trusted["access_token"]).kind == TokenKind.TRUSTED_USER
