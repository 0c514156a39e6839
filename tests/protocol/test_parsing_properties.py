"""Hypothesis properties of request parsing: params.parse_form, client_auth.extract, scopes.resolve, client_ip.

Each parser either returns a well-formed value or raises one of our OAuth errors: never
anything else (which the endpoint would turn into a 500).
"""

from __future__ import annotations

import base64
import ipaddress
import re
import string
from urllib.parse import quote, quote_plus, urlencode

import pytest
from django.test import RequestFactory, override_settings
from hypothesis import assume, given
from hypothesis import strategies as st

from flex_auth_django import throttling
from flex_auth_django.protocol import client_auth, client_ids
from flex_auth_django.protocol.errors import InvalidClient, InvalidRequest, InvalidScope, OAuthError
from flex_auth_django.protocol.form import FORM, MAX_FIELDS, parse_form
from flex_auth_django.protocol.http import client_ip
from flex_auth_django.settings import flex_settings
from flex_auth_django.tokens import generate, scopes

factory = RequestFactory()

# Text as clients send it: any Unicode except NUL (refused on purpose) and surrogates (not UTF-8).
param_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)
names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=30)


def post(body: bytes | str, content_type: str = FORM):
    # CONTENT_TYPE too: RequestFactory leaves it out when the body is empty.
    return factory.generic("POST", "/oauth/token", body, content_type=content_type, CONTENT_TYPE=content_type)


class TestParseForm:
    @given(st.dictionaries(names, param_text, max_size=20), st.sampled_from([quote_plus, quote]))
    def test_what_is_encoded_is_what_is_parsed(self, params, quote_via):
        assert parse_form(post(urlencode(params, quote_via=quote_via))) == params

    @given(st.binary(max_size=600))
    def test_any_body_parses_or_is_invalid_request(self, body):
        try:
            params = parse_form(post(body))
        except InvalidRequest:
            return
        assert all("\x00" not in k + v for k, v in params.items())
        assert len(params) <= MAX_FIELDS

    @given(st.lists(st.text(string.ascii_letters + "%&=+;", max_size=40), max_size=10))
    def test_bodies_made_of_delimiters(self, pieces):
        try:
            parse_form(post("&".join(pieces)))
        except InvalidRequest:
            pass

    @given(names, param_text, param_text)
    def test_a_repeated_parameter_is_refused(self, name, first, second):
        with pytest.raises(InvalidRequest):
            parse_form(post(urlencode([(name, first), ("other_" + name, "x"), (name, second)])))

    @given(st.text(st.characters(max_codepoint=255), max_size=80))  # WSGI headers are Latin-1
    def test_only_the_form_content_type_is_accepted(self, content_type):
        mime, _, options = content_type.partition(";")
        try:
            parse_form(post("grant_type=password", content_type=content_type))
        except InvalidRequest:
            return
        assert mime.strip().lower() == FORM

    @given(st.sampled_from(["utf-8", "UTF-8", "utf8", '"utf-8"']), st.sampled_from(["latin-1", "utf-16", "ascii", ""]))
    def test_charsets(self, utf8, other):
        assert parse_form(post("a=%C3%A9", content_type=f"{FORM}; charset={utf8}")) == {"a": "é"}
        with pytest.raises(InvalidRequest):
            parse_form(post("a=b", content_type=f"{FORM}; charset={other}"))

    @given(st.integers(1, 3))
    def test_limits(self, extra):
        limit = int(flex_settings.MAX_PARAMETER_LENGTH)
        assert parse_form(post(urlencode({"a": "x" * limit}))) == {"a": "x" * limit}
        with pytest.raises(InvalidRequest):
            parse_form(post(urlencode({"a": "x" * (limit + extra)})))
        with pytest.raises(InvalidRequest):
            parse_form(post("&".join(f"p{n}=1" for n in range(MAX_FIELDS + extra))))


def rfc6749_basic(client_id: str, secret: str) -> str:
    """RFC 6749 section 2.3.1: each part form-urlencoded, then joined by ':' and base64-encoded."""
    return "Basic " + base64.b64encode(f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()).decode()


class TestExtract:
    @given(param_text, param_text)
    def test_basic_credentials_round_trip(self, client_id, secret):
        credentials = client_auth.extract(rfc6749_basic(client_id, secret), {})
        assert credentials == client_auth.ClientCredentials(client_id or None, secret or None, via_basic=True)

    @given(param_text, param_text)
    def test_body_credentials_pass_through(self, client_id, secret):
        params = {"client_id": client_id, "client_secret": secret}
        assert client_auth.extract("", params) == client_auth.ClientCredentials(client_id or None, secret or None)

    @given(st.text(max_size=120), st.dictionaries(st.sampled_from(["client_id", "client_secret", "x"]), param_text))
    def test_any_header_is_credentials_or_an_oauth_error(self, authorization, params):
        try:
            credentials = client_auth.extract(authorization, params)
        except (InvalidRequest, InvalidClient):
            return
        assert isinstance(credentials, client_auth.ClientCredentials)

    @given(param_text.filter(bool), param_text)
    def test_basic_and_body_at_once_is_invalid_request(self, client_id, secret):
        with pytest.raises(InvalidRequest):
            client_auth.extract(rfc6749_basic("a", "b"), {"client_id": client_id})

    @given(st.text(max_size=60))
    def test_only_canonical_uuids_are_client_ids(self, value):
        parsed = client_ids.client_uuid(value)
        if parsed is not None:
            assert str(parsed) == value.lower()

    @given(st.text(max_size=120), st.dictionaries(st.sampled_from(["client_id", "client_secret"]), param_text))
    def test_the_logged_client_id_is_a_uuid_an_imported_dot_id_or_a_placeholder(self, header, params):
        logged = client_auth.claimed_client_id(header, params)
        if logged in (None, "(malformed)") or client_ids.client_uuid(logged) is not None:
            return
        # An imported django-oauth-toolkit ID: letters, digits and ._~- only, so nothing else reaches a log.
        assert client_ids.legacy_client_id(logged) == logged
        assert re.fullmatch(r"[A-Za-z0-9._~-]{1,100}", logged)


class TestResolveScope:
    @given(st.one_of(st.none(), st.text(" \tusericpbl-ad:gnr", max_size=30)), st.sampled_from(scopes.names()))
    def test_the_result_is_the_default_or_an_error(self, requested, default):
        try:
            resolved = scopes.resolve(requested, default)
        except InvalidScope:
            assert requested is not None and requested.strip(" ")
            return
        assert resolved == default

    @given(st.lists(st.sampled_from([*scopes.names(), "", "other"]), max_size=4), st.sampled_from(scopes.names()))
    def test_exactly_one_allowed_scope_is_accepted(self, parts, default):
        requested = " ".join(parts)
        named = set(parts) - {""}
        try:
            resolved = scopes.resolve(requested, default)
        except InvalidScope:
            assert named and named != {default}
            return
        assert resolved == default and named <= {default}

    @given(st.text(max_size=40), st.sampled_from(scopes.names()))
    def test_never_anything_but_invalid_scope(self, requested, default):
        try:
            scopes.resolve(requested, default)
        except InvalidScope:
            pass


addresses = st.one_of(st.ip_addresses().map(str), st.text(max_size=20))


class TestClientIp:
    @given(st.lists(addresses, max_size=5), st.ip_addresses().map(str), st.sampled_from([None, 1, 2, 3]))
    def test_only_a_trusted_position_is_believed(self, chain, remote, proxies):
        header = ", ".join(chain)
        assume("," not in "".join(chain))
        with override_settings(FLEX_AUTH={"NUM_PROXIES": proxies}):
            request = factory.post("/oauth/token", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=header)
            ip = client_ip(request)
        if proxies is None or len(chain) < proxies:
            assert ip == remote
            return
        trusted = chain[-proxies].strip()
        try:
            assert ip == str(ipaddress.ip_address(trusted))
        except ValueError:
            assert ip == remote


class TestThrottleKeys:
    @given(st.sampled_from(["account_ip", "account", "ip", "client"]), st.text(min_size=1, max_size=300))
    def test_keys_are_short_plain_and_never_contain_the_value(self, scope, value):
        setting = {
            "account_ip": "THROTTLE_USERNAME",
            "account": "THROTTLE_ACCOUNT",
            "ip": "THROTTLE_IP",
            "client": "THROTTLE_CLIENT_SECRET",
        }[scope]
        counter = throttling.counter(scope, value, setting)
        assert re.fullmatch(r"[0-9a-f]{32}", counter.ident)  # the only part that depends on the value
        for key in counter.keys(1_800_000_000):
            assert len(key) < 200 and key.isascii() and key.isprintable() and " " not in key
            # The rest is the fixed prefix, scope, window and bucket (a value may happen to spell those).
            assert key.split(":")[-2] == counter.ident


def test_parse_errors_are_oauth_errors():
    assert issubclass(InvalidRequest, OAuthError) and issubclass(InvalidClient, OAuthError)


B64URL = string.ascii_letters + string.digits + "-_"
# Near-misses too: a valid body with a little something around it.
token_bodies = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda body, tail: body + tail,
        st.text(B64URL, min_size=40, max_size=175),
        st.one_of(st.sampled_from(["\n", "\r\n", " ", "=", "\x00"]), st.text(max_size=3)),
    ),
)


class TestTokenShape:
    @given(st.sampled_from(["flxa_", "flxr_", "flxs_"]), token_bodies)
    def test_only_prefix_and_base64url_look_like_a_token(self, prefix, rest):
        value = prefix + rest
        if generate.looks_like(value, prefix):
            assert 43 <= len(rest) <= 172
            assert set(rest) <= set(B64URL)

    @given(st.binary(min_size=32, max_size=128))
    def test_every_generated_shape_is_recognised(self, raw):
        token = "flxa_" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        assert generate.looks_like(token, "flxa_")
