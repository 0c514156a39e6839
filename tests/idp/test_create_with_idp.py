"""current_user/create_with_idp (sdk.currentUser.createWithIdp()) and the sign-up-then-login pair."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from flex_auth_django import signals
from flex_auth_django.idp.signup import SignupRefused
from flex_auth_django.idp.verified_email import is_verified
from flex_auth_django.models import IdentityLink
from tests.factories import ApplicationFactory, UserFactory
from tests.helpers import Endpoint
from tests.idp_fixtures import IDP_URL, idp_params

pytestmark = pytest.mark.django_db

CREATE_URL = "/v1/api/current_user/create_with_idp"


@pytest.fixture
def create(client, anonymous_token, oidc_idp):
    def post(token, *, bearer=anonymous_token, **fields):
        body = {"idpId": oidc_idp.idp_id, "idpClientId": oidc_idp.client_id, "idpToken": token, **fields}
        body = {k: v for k, v in body.items() if v is not None}
        headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
        return client.post(CREATE_URL, json.dumps(body), content_type="application/json", **headers)

    return post


def test_sign_up_then_login_with_the_same_token(client, app, create, oidc_idp, local_idp):
    token = local_idp.mint(sub="new-acct", email="New.Person@example.com", given_name="New", family_name="Person")
    login = Endpoint(client, IDP_URL)
    assert (
        login.post(idp_params(app, oidc_idp, token)).status_code == 401
    )  # no account yet: the template offers sign-up
    response = create(token)
    assert response.status_code == 200, response.content
    attributes = response.json()["data"]["attributes"]
    assert attributes["email"] == "New.Person@example.com"
    assert attributes["profile"]["firstName"] == "New" and attributes["profile"]["lastName"] == "Person"
    link = IdentityLink.objects.get()
    assert link.subject == "new-acct" and not link.user.has_usable_password() and is_verified(link.user)
    again = login.post(idp_params(app, oidc_idp, token))
    assert again.status_code == 200, again.content
    assert again.json()["scope"] == "user" and again.json()["refresh_token"]


def test_an_email_in_use_is_409_email_taken(create, local_idp):
    UserFactory(email="taken@example.com")
    response = create(local_idp.mint(email="TAKEN@example.com"))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "email-taken" and response.json()["errors"][0]["status"] == 409
    assert not IdentityLink.objects.exists()


def test_an_account_already_linked_is_409_conflict(create, local_idp):
    assert create(local_idp.mint(sub="dup", email="first@example.com")).status_code == 200
    response = create(local_idp.mint(sub="dup", email="second@example.com"))
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "conflict"


def test_another_address_than_the_tokens_is_not_marked_verified(create, local_idp):
    response = create(local_idp.mint(sub="x", email="token@example.com"), email="typed@example.com")
    assert response.status_code == 200
    user = IdentityLink.objects.get().user
    assert user.email == "typed@example.com" and not is_verified(user)


def test_an_unverified_token_email_is_not_marked_verified(create, local_idp):
    assert create(local_idp.mint(sub="y", email="u@example.com", email_verified=False)).status_code == 200
    assert not is_verified(IdentityLink.objects.get().user)


@pytest.mark.parametrize("kind", ["bad-signature", "wrong-aud", "garbage", "unknown-idp"])
def test_tokens_that_are_not_accepted_are_401_and_create_nobody(create, local_idp, kind):
    from tests.idp_provider import new_key

    tokens = {
        "bad-signature": local_idp.mint(key=new_key()),
        "wrong-aud": local_idp.mint(aud="other"),
        "garbage": "not.a.token",
        "unknown-idp": local_idp.mint(),
    }
    extra = {"idpId": "nope"} if kind == "unknown-idp" else {}
    response = create(tokens[kind], **extra)
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == "idp-token-invalid"
    assert not IdentityLink.objects.exists()


def test_no_email_anywhere_is_400(create, local_idp):
    response = create(local_idp.mint(email=None))
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "validation-invalid-value"


@pytest.mark.parametrize("missing", ["idpId", "idpClientId", "idpToken"])
def test_missing_fields_are_400(create, local_idp, missing):
    response = create(local_idp.mint(), **{missing: None}) if missing != "idpToken" else create(None)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "validation-missing-key"


def test_non_string_fields_are_400(client, anonymous_token, oidc_idp):
    body = {"idpId": ["x"], "idpClientId": oidc_idp.client_id, "idpToken": {"a": 1}}
    response = client.post(
        CREATE_URL, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {anonymous_token}"
    )
    assert response.status_code == 400


def test_a_marketplace_token_is_needed(create, client, local_idp):
    assert create(local_idp.mint(), bearer=None).status_code == 401
    integration = ApplicationFactory(integration=True)
    token = (
        Endpoint(client, "/oauth/token")
        .post(
            {
                "client_id": str(integration.client_id),
                "client_secret": integration.secret,
                "grant_type": "client_credentials",
            }
        )
        .json()["access_token"]
    )
    assert create(local_idp.mint(), bearer=token).status_code == 403


def test_the_provider_down_is_503(create, local_idp):
    local_idp.outage = True
    assert create(local_idp.mint(email="down@example.com")).status_code == 503


def test_a_transit_body_as_the_sdk_sends_it(client, anonymous_token, oidc_idp, local_idp):
    token = local_idp.mint(sub="tr", email="transit@example.com")
    body = json.dumps(
        ["^ ", "~:idpId", oidc_idp.idp_id, "~:idpClientId", oidc_idp.client_id, "~:idpToken", token,
         "~:firstName", "Tran", "~:protectedData", ["^ ", "^0", "kept-in-cache"]]
    )  # fmt: skip
    response = client.post(
        CREATE_URL,
        body,
        content_type="application/transit+json",
        HTTP_ACCEPT="application/transit+json",
        HTTP_AUTHORIZATION=f"Bearer {anonymous_token}",
    )
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/transit+json")
    assert "transit@example.com" in response.content.decode()
    assert IdentityLink.objects.get().user.first_name == "Tran"


def test_a_malformed_transit_body_is_400(client, anonymous_token):
    for body in ('["^ ", "^9", "x"]', '["^ ", "~:a"]', "not json", '"~#weird"'):
        response = client.post(
            CREATE_URL, body, content_type="application/transit+json", HTTP_AUTHORIZATION=f"Bearer {anonymous_token}"
        )
        assert response.status_code == 400, (body, response.content)


def test_a_database_outage_is_a_json_api_503(create, local_idp, monkeypatch):
    """Every failure of the Marketplace API view is in its JSON:API envelope, an outage too (never Django's 500)."""
    from django.db import OperationalError

    from flex_auth_django.idp import views

    def down(**kwargs):
        raise OperationalError("the database is down")

    monkeypatch.setattr(views, "create_user_with_idp", down)
    response = create(local_idp.mint(email="outage@example.com"))
    assert response.status_code == 503, response.content
    assert response.json()["errors"][0]["code"] == "temporarily-unavailable"
    assert int(response["Retry-After"]) > 0
    assert "the database is down" not in response.content.decode()


# -- the extended data: publicData, privateData, protectedData (issue 20 item 6) -------------------
@pytest.fixture
def received():
    """What user_created_with_idp receivers were sent, one dict per sign-up."""
    calls = []

    def receiver(sender, **kwargs):
        calls.append({"sender": sender, **kwargs})

    signals.user_created_with_idp.connect(receiver, weak=False)
    yield calls
    signals.user_created_with_idp.disconnect(receiver)


def test_the_extended_data_reaches_the_signal_with_the_new_user(create, local_idp, oidc_idp, received):
    public, private, protected = {"bio": "Hi", "tags": ["a", 1]}, {"newsletter": True}, {"phone": "+358 40 1"}
    response = create(
        local_idp.mint(sub="ext", email="ext@example.com"),
        publicData=public,
        privateData=private,
        protectedData=protected,
    )
    assert response.status_code == 200, response.content
    user = IdentityLink.objects.get().user
    (call,) = received
    assert call["user"] == user and call["provider"] == oidc_idp and call["sender"] is type(user)
    assert (call["public_data"], call["private_data"], call["protected_data"]) == (public, private, protected)


def test_absent_extended_data_is_sent_as_empty_objects(create, local_idp, received):
    assert create(local_idp.mint(sub="none", email="none@example.com"), publicData=None).status_code == 200
    (call,) = received
    assert call["public_data"] == call["private_data"] == call["protected_data"] == {}


def test_a_receivers_writes_commit_with_the_user(create, local_idp):
    def save_profile(sender, user, protected_data, **kwargs):
        user.last_name = protected_data["surname"]
        user.save(update_fields=["last_name"])

    signals.user_created_with_idp.connect(save_profile, weak=False)
    try:
        assert (
            create(local_idp.mint(sub="p", email="p@example.com"), protectedData={"surname": "Kept"}).status_code == 200
        )
    finally:
        signals.user_created_with_idp.disconnect(save_profile)
    assert IdentityLink.objects.get().user.last_name == "Kept"


class PhoneMissing(SignupRefused):
    code = "validation-missing-key"
    title = "protectedData.phone is required."


def test_a_receiver_may_refuse_the_sign_up_and_nobody_is_created(create, local_idp):
    def require_phone(sender, protected_data, **kwargs):
        if "phone" not in protected_data:
            raise PhoneMissing()

    signals.user_created_with_idp.connect(require_phone, weak=False)
    try:
        token = local_idp.mint(sub="ph", email="ph@example.com")
        response = create(token, protectedData={"name": "x"})
        assert response.status_code == 400
        assert response.json() == {
            "errors": [{"status": 400, "code": "validation-missing-key", "title": "protectedData.phone is required."}]
        }
        assert (
            not IdentityLink.objects.exists() and not get_user_model().objects.filter(email="ph@example.com").exists()
        )
        assert create(token, protectedData={"phone": "1"}).status_code == 200  # the lock was released too
    finally:
        signals.user_created_with_idp.disconnect(require_phone)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param([], id="a list"),
        pytest.param("text", id="a string"),
        pytest.param(7, id="a number"),
        pytest.param(True, id="a boolean"),
        pytest.param({"big": "x" * 50_000}, id="over 50,000 characters"),
    ],
)
@pytest.mark.parametrize("field", ["publicData", "privateData", "protectedData"])
def test_extended_data_that_is_not_a_bounded_object_is_400(create, local_idp, received, field, value):
    response = create(local_idp.mint(sub="bad", email="bad@example.com"), **{field: value})
    assert response.status_code == 400, response.content
    (error,) = response.json()["errors"]
    assert error["code"] == "validation-invalid-value" and field in error["title"]
    assert not IdentityLink.objects.exists() and received == []


def test_extended_data_just_within_the_bound_is_accepted(create, local_idp, received):
    value = {"big": "x" * (50_000 - len('{"big":""}'))}
    assert create(local_idp.mint(sub="edge", email="edge@example.com"), publicData=value).status_code == 200
    assert received[0]["public_data"] == value


def test_a_body_nested_too_deeply_is_400_not_500(client, anonymous_token):
    body = '{"idpId": "x", "idpClientId": "y", "idpToken": "z", "publicData": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post(
        CREATE_URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {anonymous_token}"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["status"] == 400


def test_transit_extended_data_reaches_the_signal(client, anonymous_token, oidc_idp, local_idp, received):
    token = local_idp.mint(sub="tr-ext", email="tr-ext@example.com")
    body = json.dumps(
        ["^ ", "~:idpId", oidc_idp.idp_id, "~:idpClientId", oidc_idp.client_id, "~:idpToken", token,
         "~:publicData", ["^ ", "~:displayName", "T"], "~:protectedData", ["^ ", "~:phone", "+1"]]
    )  # fmt: skip
    response = client.post(
        CREATE_URL, body, content_type="application/transit+json", HTTP_AUTHORIZATION=f"Bearer {anonymous_token}"
    )
    assert response.status_code == 200, response.content
    (call,) = received
    assert call["public_data"] == {"displayName": "T"} and call["protected_data"] == {"phone": "+1"}
    assert call["private_data"] == {}
