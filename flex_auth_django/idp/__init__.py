"""Sign-in with an identity provider (Google, Facebook, any OpenID Connect provider).

models (providers, links, verified emails), secret_box (the Facebook app secret at rest),
fetch (outbound HTTP), documents (the discovery and JWKS cache), oidc (ID-token
verification), facebook (Graph token debugging), verified_email (the verified-email
hook), matching (IdP account -> user), login and signup (the services the endpoints call).
Kept free of imports so that `models` can pull in `idp.models` without a cycle.
"""
