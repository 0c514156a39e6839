"""The signed-tokens guide's external resource-server examples (PyJWT and Node `jose`) verify real tokens of a
running example site against its JWKS, and refuse forged ones."""

from __future__ import annotations

import json
import subprocess
import urllib.request
import uuid

import pytest

from tests.docs.pages import block
from tests.sdk import SDK_DIR, node_with
from tests.serving import ExampleSite

pytestmark = [pytest.mark.sdk, pytest.mark.servers]

README_ISSUER = "https://auth.example.com"


def readme_block(language: str, after: str) -> str:
    return block("guides/signed-tokens.md", "## External resource servers", language, after=after)


def metadata(site: ExampleSite) -> dict:
    with urllib.request.urlopen(f"{site.base}/.well-known/oauth-authorization-server", timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def localised(code: str, site: ExampleSite) -> str:
    """The guide's code pointed at the running site as a resource server would: the issuer and the
    JWKS URL its metadata publishes (no ISSUER is set there: the development rule, the origin called)."""
    published = metadata(site)
    assert published["issuer"] == site.base  # the demo's URL, never a placeholder
    code = code.replace(f"{README_ISSUER}/oauth/jwks.json", published["jwks_uri"])
    return code.replace(README_ISSUER, published["issuer"])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with ExampleSite(tmp_path_factory.mktemp("resource-server")) as running:
        running.start()
        yield running


def anonymous_token(site: ExampleSite) -> str:
    app = json.loads(site.manage("flex_create_application", "--name", "rs", "--api-type", "marketplace", "--json"))
    status, body = site.token(client_id=app["client_id"], grant_type="client_credentials")
    assert status == 200
    return body["access_token"]


def forged(raw: str) -> str:
    header, payload, signature = raw.split(".")
    return f"{header}.{payload}.{signature[::-1]}"


def test_the_pyjwt_example_verifies_our_tokens(site):
    namespace: dict = {}
    exec(localised(readme_block("python", "Python (PyJWT)"), site), namespace)  # noqa: S102 (the README's code)
    raw = anonymous_token(site)
    claims = namespace["verify"](raw)
    assert claims["scope"] == "public-read" and claims["sub"] == claims["client_id"]
    assert claims["iss"] == metadata(site)["issuer"]
    import jwt

    with pytest.raises(jwt.InvalidTokenError):
        namespace["verify"](forged(raw))


def test_the_jose_example_verifies_our_tokens(site):
    node = node_with("jose")
    module = SDK_DIR / f".readme-jose-{uuid.uuid4().hex}.mjs"  # beside node_modules, so `jose` resolves
    runner = (
        "\nconst [good, bad] = process.argv.slice(2);\n"
        "const payload = await verify(good);\n"
        "let refused = false;\n"
        "try { await verify(bad); } catch { refused = true; }\n"
        "console.log(JSON.stringify({ scope: payload.scope, client_id: payload.client_id, refused }));\n"
    )
    module.write_text(localised(readme_block("js", "Node ("), site) + runner)
    try:
        raw = anonymous_token(site)
        result = subprocess.run(
            [node, str(module), raw, forged(raw)], capture_output=True, text=True, timeout=60, check=False
        )
    finally:
        module.unlink()
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["scope"] == "public-read" and answer["refused"] is True
