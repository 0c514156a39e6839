"""Look-alike emails never join two mailboxes (issue 21 item 1), for linking and for sign-up, on SQLite and PostgreSQL.

Spec (Identity-provider login, Matching): "that email" is the same mailbox, the domain
compared after IDNA encoding and lower-casing, the local part exactly or up to ASCII case;
no Unicode case folding or compatibility mapping ever links an account. PostgreSQL's
UPPER() folds "ı" to "I" and "ſ" to "S", which is how `bob@kıwı.example` (another,
registrable domain: xn--kw-hpab.example) used to sign in as `bob@kiwi.example`.

Each case: a verified owner, and an IdP token (OpenID Connect or Facebook) whose verified
email is a look-alike of the owner's. Linking must refuse every one of them; sign-up
answers 409 `email-taken` exactly for the addresses the site's own email lookup takes for
the owner's (idp/signup.py says why: the password grant's lookup would find two users),
and otherwise creates an account of its own that never signs in as the owner.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from django.db import connection

from flex_auth_django.idp.verified_email import is_verified
from flex_auth_django.models import IdentityLink, IdentityProvider, IdpKind, VerifiedEmail
from tests.helpers import TOKEN_URL, Endpoint, password_grant
from tests.idp_fixtures import IDP_URL, idp_params

pytestmark = pytest.mark.django_db

CREATE_URL = "/v1/api/current_user/create_with_idp"
FACEBOOK_APP_ID = "1234567890"


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


# (owner's address, the token's look-alike). None of them is the same mailbox.
LOOKALIKES = {
    "dotless i in the domain": ("bob@kiwi.example", "bob@k\u0131w\u0131.example"),
    "dotless i in the local part": ("ivan@kiwi.example", "\u0131van@kiwi.example"),
    "long s": ("sam@kiwi.example", "\u017fam@kiwi.example"),
    "kelvin sign": ("kate@kiwi.example", "\u212aate@kiwi.example"),
    "full-width domain": ("bob@kiwi.example", "bob@\uff4b\uff49\uff57\uff49.example"),
    "full-width local part": ("bob@kiwi.example", "\uff42ob@kiwi.example"),
    "an IDN domain for an ASCII one": ("bob@kiwi.example", "bob@xn--kw-hpab.example"),
    "an ASCII domain for an IDN one": ("bob@k\u0131w\u0131.example", "bob@kiwi.example"),
    "mixed scripts in the domain": ("bob@kiwi.example", "bob@k\u0456w\u0456.example"),  # Cyrillic і
    "mixed scripts in the local part": ("bob@kiwi.example", "b\u043eb@kiwi.example"),  # Cyrillic о
    "NFD for NFC in the domain": ("bob@caf\u00e9.example", nfd("bob@caf\u00e9.example")),
    "NFD for NFC in the local part": ("jos\u00e9@kiwi.example", nfd("jos\u00e9@kiwi.example")),
    "NFC for NFD": (nfd("jos\u00e9@kiwi.example"), "jos\u00e9@kiwi.example"),
    "the owner has the look-alike": ("\u017fam@kiwi.example", "sam@kiwi.example"),
    "a Unicode upper case": ("bob@caf\u00e9.example", "bob@CAF\u00c9.example"),
}
# Which look-alikes the database's own case-insensitive match (EmailBackend's, the password
# grant's) takes for the owner's address: UPPER() on PostgreSQL, ASCII-only LIKE on SQLite.
EQUATED_BY_THE_LOOKUP = {
    "postgresql": {
        "dotless i in the domain",
        "dotless i in the local part",
        "long s",
        "an ASCII domain for an IDN one",
        "the owner has the look-alike",
        "a Unicode upper case",
    },
    "sqlite": set(),
}
# Spellings of the same mailbox: these link, and sign-up calls them taken.
SAME_MAILBOX = {
    "ASCII case": ("Bob.Smith@Kiwi.Example", "bob.smith@KIWI.example"),
    "U-label owner, A-label token": ("bob@k\u0131w\u0131.example", "bob@xn--kw-hpab.example"),
    "A-label owner, U-label token": ("bob@XN--KW-HPAB.example", "bob@k\u0131w\u0131.example"),
    "an IDN domain in ASCII upper case": ("bob@CAF\u00e9.example", "bob@caf\u00e9.EXAMPLE"),
}


# create_user() stores the domain lower-cased (Python's lower()), so this one is the owner's
# very address once stored, on every database.
STORED_AS_THE_OWNERS = {"a Unicode upper case"}
# Django's EmailValidator takes no non-ASCII local part (sign-up answers 400, creating nobody).
INVALID_FOR_DJANGO = {
    "full-width local part",
    "mixed scripts in the local part",
    "NFD for NFC in the local part",
    "NFC for NFD",
}


def taken(name: str) -> bool:
    lookup = EQUATED_BY_THE_LOOKUP.get(connection.vendor, EQUATED_BY_THE_LOOKUP["postgresql"])
    return name in lookup or name in STORED_AS_THE_OWNERS


@pytest.fixture
def facebook_idp(db, local_idp, settings):
    settings.FLEX_AUTH = {**getattr(settings, "FLEX_AUTH", {}), "IDP_FACEBOOK_GRAPH_URL": local_idp.graph_url}
    provider = IdentityProvider(idp_id="facebook", name="Facebook", kind=IdpKind.FACEBOOK, client_id=FACEBOOK_APP_ID)
    provider.set_app_secret(local_idp.app_secret)
    provider.save()
    return provider


@pytest.fixture(params=["oidc", "facebook"])
def provider(request, local_idp):
    """(provider, token(sub, email)): an OpenID Connect ID token or a Facebook access token with a verified email."""
    if request.param == "oidc":
        idp = request.getfixturevalue("oidc_idp")
        return idp, lambda sub, email: local_idp.mint(sub=sub, email=email, email_verified=True)
    idp = request.getfixturevalue("facebook_idp")
    return idp, lambda sub, email: local_idp.facebook_token(user_id=sub, app_id=FACEBOOK_APP_ID, email=email)


@pytest.fixture
def login_with_idp(client, app):
    endpoint = Endpoint(client, IDP_URL)
    return lambda idp, token: endpoint.post(idp_params(app, idp, token))


@pytest.fixture
def sign_up(client, anonymous_token):
    def post(idp, token, **fields):
        body = {"idpId": idp.idp_id, "idpClientId": idp.client_id, "idpToken": token, **fields}
        headers = {"HTTP_AUTHORIZATION": f"Bearer {anonymous_token}"}
        return client.post(CREATE_URL, json.dumps(body), content_type="application/json", **headers)

    return post


def password_login(client, app, username: str):
    return Endpoint(client, TOKEN_URL).post(password_grant(app, username))


# -- linking -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(LOOKALIKES))
def test_a_lookalike_email_never_links_or_signs_in(login_with_idp, provider, verified_user, name):
    owner_email, lookalike = LOOKALIKES[name]
    owner = verified_user(email=owner_email)
    idp, token = provider
    response = login_with_idp(idp, token("lookalike-acct", lookalike))
    assert response.status_code == 401, response.content
    assert response.json()["error"] == "invalid_grant"
    assert not IdentityLink.objects.exists()
    # The owner's own address still links (so the refusal was the rule, not a broken setup).
    assert login_with_idp(idp, token("owner-acct", owner_email)).status_code == 200
    assert IdentityLink.objects.get().user == owner


@pytest.mark.parametrize("name", list(SAME_MAILBOX))
def test_spellings_of_the_same_mailbox_link(login_with_idp, provider, verified_user, name):
    owner_email, spelling = SAME_MAILBOX[name]
    owner = verified_user(email=owner_email)
    idp, token = provider
    response = login_with_idp(idp, token("same-acct", spelling))
    assert response.status_code == 200, response.content
    assert IdentityLink.objects.get().user == owner


@pytest.mark.parametrize("name", ["dotless i in the domain", "long s", "kelvin sign"])
def test_the_exact_owner_links_even_beside_a_lookalike_account(login_with_idp, provider, verified_user, name):
    """The database's match may return look-alikes too; they are dropped, not counted as an ambiguity."""
    owner_email, lookalike = LOOKALIKES[name]
    owner = verified_user(email=owner_email)
    verified_user(email=lookalike)
    idp, token = provider
    assert login_with_idp(idp, token("owner-acct", owner_email)).status_code == 200
    assert IdentityLink.objects.get().user == owner


@pytest.mark.parametrize("name", ["dotless i in the domain", "long s", "full-width domain"])
def test_a_verification_of_a_lookalike_address_does_not_count(login_with_idp, provider, verified_user, name):
    owner_email, lookalike = LOOKALIKES[name]
    owner = verified_user(email=lookalike)
    owner.email = owner_email  # changed to a look-alike of the verified address: not verified any more
    owner.save()
    assert VerifiedEmail.objects.get(user=owner).email == lookalike
    assert not is_verified(owner)
    idp, token = provider
    assert login_with_idp(idp, token("acct", owner_email)).status_code == 401
    assert not IdentityLink.objects.exists()


# -- sign-up -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(LOOKALIKES))
def test_sign_up_with_a_lookalike_is_taken_only_where_the_lookup_equates_them(
    client, app, sign_up, login_with_idp, oidc_idp, local_idp, verified_user, name
):
    owner_email, lookalike = LOOKALIKES[name]
    owner = verified_user(email=owner_email, username="owner")  # the email rule alone (usernames: below)
    token = local_idp.mint(sub="newcomer", email=lookalike, email_verified=True)
    response = sign_up(oidc_idp, token)
    if name in INVALID_FOR_DJANGO:
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["code"] == "validation-invalid-value"
        assert not IdentityLink.objects.exists()
    elif taken(name):
        assert response.status_code == 409, response.content
        assert response.json()["errors"][0]["code"] == "email-taken"
        assert not IdentityLink.objects.exists()
        assert login_with_idp(oidc_idp, token).status_code == 401  # and the token still signs nobody in
    else:
        assert response.status_code == 200, response.content
        newcomer = IdentityLink.objects.get().user
        assert newcomer != owner and newcomer.email == lookalike
        signed_in = login_with_idp(oidc_idp, token)
        assert signed_in.status_code == 200, signed_in.content
        assert IdentityLink.objects.get().user == newcomer  # the token signs in as the newcomer, never the owner
    # Either way the owner still signs in with a password by their own address.
    assert password_login(client, app, owner_email).status_code == 200
    assert not IdentityLink.objects.filter(user=owner).exists()


@pytest.mark.parametrize("name", list(SAME_MAILBOX))
def test_sign_up_with_another_spelling_of_a_mailbox_is_taken(sign_up, oidc_idp, local_idp, verified_user, name):
    owner_email, spelling = SAME_MAILBOX[name]
    verified_user(email=owner_email)
    response = sign_up(oidc_idp, local_idp.mint(sub="dup", email=spelling))
    assert response.status_code == 409, response.content
    assert response.json()["errors"][0]["code"] == "email-taken"


@pytest.mark.parametrize("name", ["long s", "full-width domain"])
def test_an_address_whose_nfkc_form_is_an_existing_username_is_taken(sign_up, oidc_idp, local_idp, verified_user, name):
    """Django normalises a new username to NFKC, and the sign-up's username is its address."""
    owner_email, lookalike = LOOKALIKES[name]
    verified_user(email="owner@elsewhere.example", username=owner_email)
    response = sign_up(oidc_idp, local_idp.mint(sub="nfkc", email=lookalike))
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "email-taken"
    assert not IdentityLink.objects.exists()


def test_a_typed_email_that_is_a_lookalike_of_the_tokens_is_not_marked_verified(sign_up, oidc_idp, local_idp):
    """Python's lower() maps the Kelvin sign to "k": the token vouches for another mailbox than the one typed."""
    token = local_idp.mint(sub="kelvin", email="\u212aate@kiwi.example", email_verified=True)
    response = sign_up(oidc_idp, token, email="kate@kiwi.example")
    assert response.status_code == 200, response.content
    user = IdentityLink.objects.get().user
    assert user.email == "kate@kiwi.example" and not is_verified(user)


def test_a_typed_email_in_another_ascii_case_is_marked_verified(sign_up, oidc_idp, local_idp):
    token = local_idp.mint(sub="case", email="Kate@Kiwi.example", email_verified=True)
    assert sign_up(oidc_idp, token, email="kate@kiwi.EXAMPLE").status_code == 200
    assert is_verified(IdentityLink.objects.get().user)


def test_sign_up_through_facebook_follows_the_same_rule(sign_up, facebook_idp, local_idp, verified_user):
    verified_user(email="bob@kiwi.example")
    taken = local_idp.facebook_token(user_id="fb-a", app_id=FACEBOOK_APP_ID, email="BOB@kiwi.example")
    assert sign_up(facebook_idp, taken).status_code == 409
    other = local_idp.facebook_token(user_id="fb-b", app_id=FACEBOOK_APP_ID, email="bob@k\u0456w\u0456.example")
    assert sign_up(facebook_idp, other).status_code == 200
    assert IdentityLink.objects.get().user.email == "bob@k\u0456w\u0456.example"
