"""The OpenAPI 3 description of the token, revoke and introspect endpoints.

Built from the live settings and grant registry, so it documents what this site does:
the grant types it serves, the status `invalid_grant` answers with, the parameter
limits. Every error response lists the `error` codes it can carry; the test suite
fuzzes the endpoints against this document (schemathesis) and fails on anything the
document does not allow, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from ..grants import get_registry
from ..settings import flex_settings
from ..tokens import scopes

OPENAPI_VERSION = "3.0.3"

TOKEN_EXCHANGE_URN = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"

# The grant types with a documented request shape; other registered grants get a generic one.
_KNOWN_GRANTS = {
    "client_credentials": ("ClientCredentialsRequest", []),
    "password": ("PasswordRequest", ["username", "password"]),
    "refresh_token": ("RefreshTokenRequest", ["refresh_token"]),
    "token_exchange": ("TokenExchangeRequest", ["subject_token"]),
    "authorization_code": ("AuthorizationCodeRequest", ["code", "redirect_uri", "code_verifier"]),
    TOKEN_EXCHANGE_URN: ("TokenExchangeRequest", ["subject_token", "subject_token_type"]),
}

_DESCRIPTIONS = {
    "invalid_request": "A parameter is missing, repeated or malformed; wrong content type or method.",
    "unsupported_grant_type": "The grant_type is not served here.",
    "unauthorized_client": "This application's API type may not use this grant.",
    "invalid_scope": "The scope is not allowed for this application or grant.",
    "invalid_client": "Unknown client, wrong or missing secret, or inactive application.",
    "invalid_grant": (
        "Wrong username or password; unknown, expired, revoked or foreign refresh or subject token; "
        "unknown, expired or used authorization code, wrong code_verifier or redirect_uri."
    ),
    "invalid_token": "The Bearer access token is invalid, expired or revoked.",
    "too_many_requests": "Too many failed attempts; retry after Retry-After seconds.",
    "temporarily_unavailable": "The database, the throttle cache or an identity provider is unavailable; "
    "retry after Retry-After seconds.",
}


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": flex_settings.MAX_PARAMETER_LENGTH, "description": description, **extra}


def _error_schema(codes: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error", "error_description"],
        "additionalProperties": False,
        "properties": {
            "error": {"type": "string", "enum": codes, "description": "; ".join(_DESCRIPTIONS[c] for c in codes)},
            "error_description": {"type": "string"},
        },
    }


_NO_STORE_HEADERS = {
    "Cache-Control": {"required": True, "schema": {"type": "string", "enum": ["no-store"]}},
    "Pragma": {"required": True, "schema": {"type": "string", "enum": ["no-cache"]}},
}
_RETRY_AFTER = {
    "Retry-After": {
        "required": True,
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}
_CHALLENGE = {
    "WWW-Authenticate": {
        "required": False,
        "description": "Basic when the client authenticated with HTTP Basic; Bearer for a dead Bearer token.",
        "schema": {"type": "string"},
    }
}


def _response(description: str, schema: dict[str, Any], headers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {**_NO_STORE_HEADERS, **(headers or {})},
        "content": {"application/json": {"schema": schema}},
    }


def _errors(bad_request: list[str], unauthorized: list[str]) -> dict[str, Any]:
    return {
        "400": _response("The request is invalid.", _error_schema(bad_request)),
        "401": _response("Authentication failed.", _error_schema(unauthorized), _CHALLENGE),
        "429": _response("Throttled (spec: Throttling).", _error_schema(["too_many_requests"]), _RETRY_AFTER),
        "503": _response(
            "The database or throttle cache is unavailable.", _error_schema(["temporarily_unavailable"]), _RETRY_AFTER
        ),
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _form(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": _ref(name)}}}


def _client_properties() -> dict[str, Any]:
    return {
        "client_id": _string("The application's client ID (a UUID). Or send it with HTTP Basic.", format="uuid"),
        "client_secret": _string("The application's client secret, when the grant needs it. Or HTTP Basic."),
    }


def _grant_schemas(names: list[str]) -> dict[str, dict[str, Any]]:
    """One request schema per grant shape, each with its grant_type names."""
    common = _client_properties() | {"scope": _string("One scope; each grant has a default.", enum=scopes.names())}
    extra = {
        "PasswordRequest": {
            "username": _string("The user's email address."),
            "password": _string("The user's password."),
        },
        "RefreshTokenRequest": {"refresh_token": _string("The refresh token from the last token response.")},
        "AuthorizationCodeRequest": {
            "code": _string("Login as user: the code authorize-as sent to the marketplace (single use, 60 s)."),
            "redirect_uri": _string("Exactly the redirect_uri the code was issued for."),
            "code_verifier": _string(
                "The PKCE verifier (RFC 7636, S256).", minLength=43, pattern="^[A-Za-z0-9._~-]{43,128}$"
            ),
        },
        "TokenExchangeRequest": {
            "subject_token": _string("A live user access token issued to this same application."),
            "subject_token_type": _string("Required with the URN grant type.", enum=[ACCESS_TOKEN_TYPE]),
            "requested_token_type": _string("Optional.", enum=[ACCESS_TOKEN_TYPE]),
        },
    }
    grouped: dict[str, tuple[list[str], list[str]]] = {}
    for name in names:
        schema_name, required = _KNOWN_GRANTS.get(name, ("OtherGrantRequest", []))
        grant_names, required_all = grouped.setdefault(schema_name, ([], list(required)))
        grant_names.append(name)
        # A property required by only one of the names (the URN form's subject_token_type) is optional.
        required_all[:] = [r for r in required_all if r in required]
    schemas = {}
    for schema_name, (grant_names, required) in grouped.items():
        properties = {"grant_type": {"type": "string", "enum": grant_names}, **common, **extra.get(schema_name, {})}
        schemas[schema_name] = {
            "type": "object",
            "required": ["grant_type", *required],
            "properties": properties,
            # RFC 6749 section 3.2: unrecognised parameters are ignored, not refused.
            "additionalProperties": {"type": "string"},
        }
    return schemas


def document(server_url: str = "/") -> dict[str, Any]:
    """The OpenAPI document; `server_url` is where the endpoints are mounted (e.g. "/oauth")."""
    names = get_registry().names()
    grant_schemas = _grant_schemas(names)
    invalid_grant_400 = flex_settings.INVALID_GRANT_STATUS == 400
    token_400 = ["invalid_request", "unsupported_grant_type", "unauthorized_client", "invalid_scope"]
    token_401 = ["invalid_client"]
    (token_400 if invalid_grant_400 else token_401).append("invalid_grant")
    basic_or_body = [{}, {"clientBasic": []}]
    schemas: dict[str, Any] = {
        "TokenRequest": {"oneOf": [_ref(name) for name in grant_schemas]},
        **grant_schemas,
        "TokenResponse": {
            "type": "object",
            "required": ["access_token", "token_type", "expires_in", "scope"],
            "additionalProperties": False,
            "properties": {
                "access_token": {"type": "string"},
                "token_type": {"type": "string", "enum": ["bearer"]},
                "expires_in": {"type": "integer", "minimum": 0},
                "scope": {"type": "string", "enum": scopes.names()},
                "refresh_token": {"type": "string", "description": "Absent for anonymous and trusted tokens."},
                "issued_token_type": {"type": "string", "enum": [ACCESS_TOKEN_TYPE]},
            },
        },
        "RevokeRequest": {
            "type": "object",
            "required": ["token"],
            "properties": {
                "token": _string("A refresh token (ends its session) or an access token."),
                "token_type_hint": _string("Optional and never trusted (RFC 7009)."),
                **_client_properties(),
            },
            "additionalProperties": {"type": "string"},
        },
        "AuthWithIdpRequest": {
            "type": "object",
            "required": ["idp_id", "idp_client_id", "idp_token"],
            "properties": {
                "idp_id": _string("The identity provider's IdP ID, as configured in the admin."),
                "idp_client_id": _string("The client ID at the provider (one of the provider's client IDs)."),
                "idp_token": _string("An OpenID Connect ID token (RS256), or a Facebook user access token."),
                **_client_properties(),
            },
            "additionalProperties": {"type": "string"},
        },
        "IntrospectRequest": {
            "type": "object",
            "required": ["token"],
            "properties": {"token": _string("An access token."), **_client_properties()},
            "additionalProperties": {"type": "string"},
        },
        "Introspection": {
            "type": "object",
            "required": ["active"],
            "additionalProperties": False,
            "properties": {
                "active": {"type": "boolean"},
                "scope": {"type": "string"},
                "client_id": {"type": "string"},
                "token_type": {"type": "string", "enum": ["access_token"]},
                "exp": {"type": "integer"},
                "iat": {"type": "integer"},
                "sub": {"type": "string", "description": "The user id, for user and trusted tokens."},
                "iss": {"type": "string", "description": "The issuer, as the metadata's `issuer` says it."},
                "act": {
                    "type": "object",
                    "description": "Login as user: the staff member acting (RFC 8693 section 4.1).",
                    "required": ["sub"],
                    "properties": {"sub": {"type": "string"}},
                },
            },
        },
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Authentication API",
            "version": "1",
            "description": (
                "OAuth 2.0 token, revocation (RFC 7009) and introspection (RFC 7662) endpoints, as the "
                "Sharetribe SDKs speak them. Every error is JSON {error, error_description}; responses are "
                "never cached. Failed password and client-secret attempts are throttled (429 + Retry-After)."
            ),
        },
        "servers": [{"url": server_url.rstrip("/") or "/"}],
        "paths": {
            "/token": {
                "post": {
                    "operationId": "token",
                    "summary": "Issue tokens: " + ", ".join(names),
                    "security": basic_or_body,
                    "requestBody": _form("TokenRequest"),
                    "responses": {
                        "200": _response("Tokens issued.", _ref("TokenResponse")),
                        **_errors(token_400, token_401),
                    },
                }
            },
            "/auth_with_idp": {
                "post": {
                    "operationId": "auth_with_idp",
                    "summary": "Sign a user in with an identity provider's token (sdk.loginWithIdp()).",
                    "description": "A Marketplace application with its client secret; the answer is a user "
                    "session like the password grant's. Every token or matching failure is the same invalid_grant.",
                    "security": basic_or_body,
                    "requestBody": _form("AuthWithIdpRequest"),
                    "responses": {
                        "200": _response("User tokens issued.", _ref("TokenResponse")),
                        **_errors(
                            ["invalid_request", "unauthorized_client", "invalid_scope"],
                            ["invalid_client", "invalid_grant"],
                        ),
                    },
                }
            },
            "/revoke": {
                "post": {
                    "operationId": "revoke",
                    "summary": "Revoke a refresh token (its whole session) or an access token.",
                    "description": "200 whether or not the token existed or belonged to the caller.",
                    "security": [*basic_or_body, {"bearer": []}],
                    "requestBody": _form("RevokeRequest"),
                    "responses": {
                        "200": _response("Done (or nothing to do).", {"type": "object", "maxProperties": 0}),
                        **_errors(["invalid_request"], ["invalid_client", "invalid_token"]),
                    },
                }
            },
            "/introspect": {
                "post": {
                    "operationId": "introspect",
                    "summary": "Introspect an access token (confidential clients only).",
                    "security": [{"clientBasic": []}, {}],
                    "requestBody": _form("IntrospectRequest"),
                    "responses": {
                        "200": _response(
                            "Token details, or only active=false.", {"$ref": "#/components/schemas/Introspection"}
                        ),
                        **_errors(["invalid_request"], ["invalid_client"]),
                    },
                }
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "clientBasic": {"type": "http", "scheme": "basic", "description": "client_id:client_secret"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "A user's access token (SDK logout)."},
            },
        },
    }
