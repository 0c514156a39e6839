"""Login as user (spec: Login as user): an operator signs in to the marketplace as one of its users.

    marketplace_url  the Marketplace URL of an application, validated; the URLs built from it
    rules            who may log in as whom
    intents          the short-lived intent the admin button records in the staff member's session
    pkce             RFC 7636 S256 challenges and verifiers

The console endpoint is views/authorize_as.py, the code grant grants/authorization_code.py,
the codes themselves tokens/codes.py, the admin button admin/login_as.py.
"""
