"""API applications and their tokens, swapped into django-oauth-toolkit.

These are DOT's swapped models (OAUTH2_PROVIDER_APPLICATION_MODEL, ..._ACCESS_TOKEN_MODEL,
..._REFRESH_TOKEN_MODEL). They do not inherit DOT's abstract models, which carry a
plain-text `token` column, a PBKDF2-hashed `client_secret` and one grant type per
application: here only keyed digests are stored, and the API type decides the grants.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication as _DotApplication

from .console import origins as _origins


class ApiType(models.TextChoices):
    MARKETPLACE = "marketplace", _("Marketplace API")
    INTEGRATION = "integration", _("Integration API")


class TokenKind(models.TextChoices):
    ANONYMOUS = "anonymous", _("Anonymous")
    USER = "user", _("User")
    TRUSTED_USER = "trusted_user", _("Trusted user")
    INTEGRATION = "integration", _("Integration")
    LOGIN_AS = "login_as", _("Login as user")


class Application(models.Model):
    """An API client, as Sharetribe Console shows it: name, API type, client ID and secret."""

    name = models.CharField(_("name"), max_length=255)
    api_type = models.CharField(_("API type"), max_length=16, choices=ApiType.choices)
    client_id = models.UUIDField(_("client ID"), unique=True, default=uuid.uuid4, editable=False)
    # Only for applications imported from django-oauth-toolkit (flex_adopt_dot) whose client ID
    # is not a UUID: clients keep sending it. Unique through Meta.constraints (no "_like" index);
    # NULL, not "", for every other application, so the constraint allows many of them.
    legacy_client_id = models.CharField(  # noqa: DJ001
        _("imported client ID"), max_length=100, null=True, blank=True, default=None, editable=False
    )
    # Our digest (hmac-sha256$...), or for a secret imported hashed from django-oauth-toolkit
    # its Django password hash until the secret is first used (applications.verify_secret).
    client_secret_digest = models.CharField(_("client secret digest"), max_length=255, editable=False)
    client_secret_last4 = models.CharField(_("client secret (last 4)"), max_length=4, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Console's "Marketplace URL": the origin of the marketplace's web front end (no trailing
    # slash). Login as user sends operators there and accepts only its `/api/login-as`.
    marketplace_url = models.CharField(
        _("Marketplace URL"),
        max_length=255,
        blank=True,
        default="",
        validators=[_origins.validate],
        help_text=_(
            "The origin of the marketplace's web site, e.g. https://my-marketplace.example.com "
            "(http only for localhost and 127.0.0.1). Needed for “Log in as user”."
        ),
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    # "Revoke all tokens": signed access tokens issued at or before this moment are dead
    # (they have no rows to revoke; Keycloak calls this a not-before policy).
    tokens_not_before = models.DateTimeField(_("tokens not before"), null=True, blank=True, editable=False)

    # DOT's vocabulary, read when oauth2_provider.views is imported (its OIDC logout view's
    # class attributes): without these names DOT's views package, and with it
    # ClientProtectedResourceView, cannot be imported at all.
    CLIENT_PUBLIC = _DotApplication.CLIENT_PUBLIC
    CLIENT_CONFIDENTIAL = _DotApplication.CLIENT_CONFIDENTIAL
    GRANT_AUTHORIZATION_CODE = _DotApplication.GRANT_AUTHORIZATION_CODE
    GRANT_IMPLICIT = _DotApplication.GRANT_IMPLICIT
    GRANT_PASSWORD = _DotApplication.GRANT_PASSWORD
    GRANT_CLIENT_CREDENTIALS = _DotApplication.GRANT_CLIENT_CREDENTIALS
    GRANT_OPENID_HYBRID = _DotApplication.GRANT_OPENID_HYBRID
    HS256_ALGORITHM = _DotApplication.HS256_ALGORITHM
    RS256_ALGORITHM = _DotApplication.RS256_ALGORITHM

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ("-created",)
        constraints = [
            models.UniqueConstraint(fields=["legacy_client_id"], name="flex_application_legacy_client_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_api_type_display()})"

    @property
    def public_client_id(self) -> str:
        """The client ID clients send: the UUID, or the ID an imported DOT application always had."""
        return self.legacy_client_id or str(self.client_id)


class TokenQuerySet(models.QuerySet):
    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked__isnull=True, expires__gt=now)


class RefreshToken(models.Model):
    """A refresh token, stored as a digest; one row per generation of a session.

    `family` names the session: every refresh and access token descended from one
    password or client-credentials grant shares it, so revoking a session is one
    UPDATE per table. `parent` is the generation this one was rotated from.
    """

    # Unique through Meta.constraints: a unique *field* would also get PostgreSQL's
    # varchar_pattern_ops "_like" index, which no digest lookup ever uses.
    digest = models.CharField(max_length=100, editable=False)
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="refresh_tokens",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flex_refresh_tokens",
    )
    # Login as user: the staff member acting as `user` (RFC 8693 `act`). CASCADE: deleting
    # the staff account ends the sessions it started.
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flex_login_as_refresh_tokens",
        editable=False,
    )
    kind = models.CharField(max_length=16, choices=TokenKind.choices)
    scope = models.CharField(max_length=255)
    family = models.UUIDField(db_index=True, editable=False)
    family_started = models.DateTimeField(editable=False)
    parent = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="successor", editable=False
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires = models.DateTimeField(db_index=True)
    retired = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("refresh token")
        verbose_name_plural = _("refresh tokens")
        constraints = [models.UniqueConstraint(fields=["digest"], name="flex_refresh_digest_unique")]
        indexes = [
            # flex_clear_tokens finds revoked rows without scanning the table.
            models.Index(fields=["revoked"], condition=models.Q(revoked__isnull=False), name="flex_refresh_revoked"),
        ]

    def __str__(self) -> str:
        # Never the token or its digest: __str__ reaches logs and the admin.
        return f"RefreshToken #{self.pk}"


class AccessToken(models.Model):
    """An access token, stored as a digest."""

    # Unique through Meta.constraints: a unique *field* would also get PostgreSQL's
    # varchar_pattern_ops "_like" index, which no digest lookup ever uses.
    digest = models.CharField(max_length=100, editable=False)
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="access_tokens",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flex_access_tokens",
    )
    # Login as user: the staff member acting as `user` (RFC 8693 `act`). CASCADE: deleting
    # the staff account ends the sessions it started.
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flex_login_as_access_tokens",
        editable=False,
    )
    kind = models.CharField(max_length=16, choices=TokenKind.choices)
    scope = models.CharField(max_length=255)
    # The session this token belongs to (None for anonymous tokens).
    family = models.UUIDField(null=True, blank=True, db_index=True, editable=False)
    # For trusted-user tokens: the user access token it was exchanged from.
    # SET_NULL: clearing an expired subject must not delete a still-live trusted token.
    subject = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="exchanged", editable=False
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires = models.DateTimeField(db_index=True)
    revoked = models.DateTimeField(null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        constraints = [models.UniqueConstraint(fields=["digest"], name="flex_access_digest_unique")]
        indexes = [
            models.Index(fields=["revoked"], condition=models.Q(revoked__isnull=False), name="flex_access_revoked"),
        ]

    def __str__(self) -> str:
        return f"AccessToken #{self.pk}"

    format = "opaque"  # a signed token is a tokens.signed.SignedAccessToken, with the same attributes

    # Called with the row after save() or delete() of an existing row: every process holds
    # rows in memory (tokens/remembered.py registers the announcement). Methods, not
    # signals: a post_save listener would cost every new token the ORM's save() path.
    # QuerySet.update() and .delete() call none; the token service announces its own.
    changed_hooks: list = []

    def save(self, *args, **kwargs) -> None:
        existing = not self._state.adding and self.pk is not None
        super().save(*args, **kwargs)
        if existing:
            for hook in self.changed_hooks:
                hook(self)

    def delete(self, *args, **kwargs):
        pk = self.pk
        result = super().delete(*args, **kwargs)
        self.pk = pk
        for hook in self.changed_hooks:
            hook(self)
        self.pk = None
        return result

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    def is_expired(self) -> bool:
        return timezone.now() >= self.expires

    def is_live(self, now=None) -> bool:
        """Usable right now: not revoked or expired, and neither its app nor its user switched off."""
        now = now or timezone.now()
        if self.revoked is not None or now >= self.expires or not self.application.is_active:
            return False
        return self.user_id is None or self.user.is_active

    # -- what django-oauth-toolkit and DOT's DRF classes ask of a token ------------
    def allow_scopes(self, scopes) -> bool:
        """TokenHasScope, ScopedProtectedResourceView...: the resource side's own decision (implied
        scopes, FLEX_AUTH['LEGACY_SCOPES']), which AppConfig.ready installs (decide_scopes_with)."""
        return _scope_decision(self, scopes)

    def is_valid(self, scopes=None) -> bool:
        return self.is_live() and self.allow_scopes(scopes)


def _literal_scopes(token: AccessToken, scopes) -> bool:
    return set(scopes or ()).issubset(token.scopes)


_scope_decision = _literal_scopes


def decide_scopes_with(decision) -> None:
    """Install how AccessToken.allow_scopes decides (tokens.kinds.allows); the models cannot import it."""
    global _scope_decision
    _scope_decision = decision


class SessionQuerySet(models.QuerySet):
    def live(self, now=None):
        """One row per live session: the family's current refresh token (not rotated, revoked or expired)."""
        now = now or timezone.now()
        return self.filter(retired__isnull=True, revoked__isnull=True, expires__gt=now)


class Session(RefreshToken):
    """A session (refresh-token family) as the admin shows it, through its live refresh token.

    A proxy, so the admin gets its own permissions: `view_session` to see sessions and
    `revoke_session` to end them. Nothing can add, edit or delete one through it.
    `family_started` is when the session began, `created` its last refresh.
    """

    objects = SessionQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        default_permissions = ("view",)
        permissions = [("revoke_session", _("Can revoke sessions"))]

    def __str__(self) -> str:
        # Ids only: this lands in the admin history (LogEntry.object_repr).
        who = f"user #{self.user_id}" if self.user_id is not None else self.get_kind_display().lower()
        return f"Session #{self.pk} ({who})"


class SignedRevocation(models.Model):
    """The record of truth for revoked signed access tokens, which have no rows of their own.

    `ref` names what was revoked: a token's `jti`, a session (`sid:<family>`) or the opaque
    subject a trusted token was exchanged from (`a<pk>`). The revocation cache holds the same
    facts for the per-request check; it is rebuilt from these rows when it loses them. A row
    is kept until the last token it covers has expired (`expires`), then cleanup deletes it.
    """

    ref = models.CharField(max_length=100, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="signed_revocations")
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("signed token revocation")
        verbose_name_plural = _("signed token revocations")
        constraints = [models.UniqueConstraint(fields=["ref"], name="flex_signed_revocation_ref_unique")]
        indexes = [models.Index(fields=["application", "expires"], name="flex_signed_revocation_app")]

    def __str__(self) -> str:
        return f"SignedRevocation #{self.pk}"


class AuthorizationCode(models.Model):
    """A Login-as authorization code (RFC 6749 section 4.1 with RFC 7636 PKCE), stored as a digest.

    Bound to everything authorize-as checked: the application, the user, the staff member,
    the exact redirect URI and the S256 challenge. Single use: `redeemed` is set by the
    one redemption that wins, together with the `family` of what it issued, so a second
    presentation can revoke exactly that (RFC 6749 section 4.1.2).
    """

    digest = models.CharField(max_length=100, editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    redirect_uri = models.CharField(max_length=512)
    code_challenge = models.CharField(max_length=43)
    # The staff member's address when the code was issued (the audit log's `ip`).
    ip = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires = models.DateTimeField(db_index=True)
    redeemed = models.DateTimeField(null=True, blank=True)
    family = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("authorization code")
        verbose_name_plural = _("authorization codes")
        default_permissions = ()
        # The staff permission for Login as user lives here, with the codes it lets staff mint.
        permissions = [("login_as_user", _("Can log in as a user (Login as user)"))]
        constraints = [models.UniqueConstraint(fields=["digest"], name="flex_code_digest_unique")]

    def __str__(self) -> str:
        return f"AuthorizationCode #{self.pk}"


# Identity-provider login's models live with the rest of that feature (flex_auth_django/idp).
from .idp.models import IdentityLink, IdentityProvider, IdpKind, VerifiedEmail  # noqa: E402

# The usage counters' per-minute aggregates (flex_auth_django/usage).
from .usage.models import UsageCount, UsageEvent  # noqa: E402

__all__ = [
    "AccessToken",
    "ApiType",
    "Application",
    "AuthorizationCode",
    "IdentityLink",
    "IdentityProvider",
    "IdpKind",
    "RefreshToken",
    "Session",
    "SignedRevocation",
    "TokenKind",
    "UsageCount",
    "UsageEvent",
    "VerifiedEmail",
]
