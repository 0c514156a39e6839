"""Console-like admin for API applications and their sessions; replaces other registrations of our models.

Raw token admins are not registered: token values are never stored, and digests are
never shown. Sessions are listed through the `Session` proxy, with its own permissions.
The default admin site's login form is throttled like the password grant (admin/login.py).
"""

from __future__ import annotations

from django.contrib import admin

from ..console import admin_site
from ..models import AccessToken, Application, RefreshToken, Session, UsageCount
from .applications import ApplicationAdmin
from .identity_providers import IdentityProviderAdmin, extend_user_admin
from .login import ThrottledAdminAuthenticationForm
from .sessions import SessionAdmin
from .usage import UsageAdmin

__all__ = [
    "ApplicationAdmin",
    "IdentityProviderAdmin",
    "SessionAdmin",
    "ThrottledAdminAuthenticationForm",
    "UsageAdmin",
]

# Another app's admin (django-oauth-toolkit's registers the swapped models with admin classes
# whose fields, such as redirect URIs and plain-text tokens, do not exist here) is taken back.
for _model in (Application, AccessToken, RefreshToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

admin.site.register(Application, ApplicationAdmin)
admin.site.register(Session, SessionAdmin)
admin.site.register(UsageCount, UsageAdmin)  # the usage dashboard

# Password guessing on the admin login costs what it costs at the token endpoint; a site
# that set a login form of its own keeps it (and the README says how to throttle it).
if admin.site.login_form is None:
    admin.site.login_form = ThrottledAdminAuthenticationForm

# The site's UserAdmin (registered by django.contrib.auth, listed before us) gains the
# linked-identities and verified-email inlines.
extend_user_admin(admin.site)

admin_site.set_up(admin.site)
