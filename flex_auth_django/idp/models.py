"""Identity providers (Console's "Identity provider clients"), IdP accounts linked to users, verified emails."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import secret_box

LOOPBACK_HOSTS = ("localhost",)


class IdpKind(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    GOOGLE = "google", _("Google")
    FACEBOOK = "facebook", _("Facebook")


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_provider_url(url: str, what: str = "URL") -> None:
    """https, or http on localhost / 127.0.0.1 (development and tests); no query or fragment."""
    parts = urlsplit(url)
    if not parts.netloc or parts.query or parts.fragment:
        raise ValidationError(
            _("The %(what)s must be an absolute URL without query or fragment."), params={"what": what}
        )
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(parts.hostname)):
        raise ValidationError(
            _("The %(what)s must use https (http only on localhost or 127.0.0.1)."), params={"what": what}
        )


def check_jwks(value: object) -> None:
    keys = value.get("keys") if isinstance(value, dict) else None
    if not isinstance(keys, list) or not keys or not all(isinstance(k, dict) for k in keys):
        raise ValidationError(_('A JWKS is a JSON object {"keys": [...]} with at least one key.'))


class IdentityProvider(models.Model):
    """An identity provider client: which ID tokens (or Facebook tokens) `auth_with_idp` accepts."""

    idp_id = models.CharField(
        _("IdP ID"),
        max_length=64,
        unique=True,
        validators=[validate_slug],
        help_text=_("Sent by the SDK as idp_id, e.g. google, facebook or my-oidc."),
    )
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("identity provider"), max_length=16, choices=IdpKind.choices)
    client_id = models.CharField(
        _("IdP client ID"), max_length=255, help_text=_("The client ID (Facebook: App ID) registered at the IdP.")
    )
    trusted_client_ids = models.JSONField(
        _("trusted client IDs"),
        default=list,
        blank=True,
        help_text=_('Other client IDs accepted as the token\'s audience, as a JSON list: ["id-1", "id-2"].'),
    )
    issuer = models.CharField(
        _("issuer URL"),
        max_length=500,
        blank=True,
        help_text=_("OpenID Connect only: the issuer (its /.well-known/openid-configuration names the keys)."),
    )
    jwks = models.JSONField(
        _("static JWKS"),
        null=True,
        blank=True,
        help_text=_("Optional: the provider's public keys, used instead of fetching them (OIDC and Google)."),
    )
    app_secret_sealed = models.TextField(_("app secret (encrypted)"), blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        ordering = ("idp_id",)

    def __str__(self) -> str:
        return f"{self.name} ({self.idp_id})"

    @property
    def client_ids(self) -> list[str]:
        """The client ID first, then the trusted ones: every accepted audience."""
        return [self.client_id, *(c for c in self.trusted_client_ids or () if c != self.client_id)]

    def set_app_secret(self, secret: str) -> None:
        self.app_secret_sealed = secret_box.seal(secret) if secret else ""

    def app_secret(self) -> str | None:
        return secret_box.open_sealed(self.app_secret_sealed) if self.app_secret_sealed else None

    @property
    def has_app_secret(self) -> bool:
        return bool(self.app_secret_sealed)

    def clean(self) -> None:
        errors: dict[str, list] = {}
        ids = self.trusted_client_ids
        if not isinstance(ids, list) or not all(isinstance(c, str) and c for c in ids):
            errors["trusted_client_ids"] = [_("A JSON list of client ID strings.")]
        if self.kind == IdpKind.OIDC:
            if not self.issuer:
                errors["issuer"] = [_("An OpenID Connect provider needs its issuer URL.")]
            else:
                try:
                    check_provider_url(self.issuer, "issuer URL")
                except ValidationError as exc:
                    errors["issuer"] = exc.messages
        elif self.issuer:
            errors["issuer"] = [_("Only OpenID Connect providers have an issuer URL here.")]
        if self.jwks is not None:
            if self.kind == IdpKind.FACEBOOK:
                errors["jwks"] = [_("Facebook tokens are not JWTs: no JWKS.")]
            else:
                try:
                    check_jwks(self.jwks)
                except ValidationError as exc:
                    errors["jwks"] = exc.messages
        if self.kind == IdpKind.FACEBOOK and not self.has_app_secret:
            errors.setdefault("__all__", []).append(_("A Facebook provider needs its app secret."))
        if errors:
            raise ValidationError(errors)


class IdentityLink(models.Model):
    """An IdP account (provider + the token's `sub`) signed in as this user."""

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="links", verbose_name=_("identity provider")
    )
    subject = models.CharField(_("IdP account (sub)"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="flex_identity_links",
        verbose_name=_("user"),
    )
    created = models.DateTimeField(_("linked"), default=timezone.now, editable=False)
    last_login = models.DateTimeField(_("last login"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("linked identity")
        verbose_name_plural = _("linked identities")
        constraints = [models.UniqueConstraint(fields=["provider", "subject"], name="flex_identity_link_unique")]

    def __str__(self) -> str:
        return f"{self.provider.idp_id} account of user #{self.user_id}"


class VerifiedEmail(models.Model):
    """The site's word that this user's email address is verified (when django-allauth is not installed).

    It counts only while the user's email is still this address: changing the email
    withdraws it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flex_verified_email", verbose_name=_("user")
    )
    email = models.EmailField(_("verified address"), max_length=254)
    verified_at = models.DateTimeField(_("verified"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("verified email")
        verbose_name_plural = _("verified email")

    def __str__(self) -> str:
        return f"Verified email of user #{self.user_id}"
