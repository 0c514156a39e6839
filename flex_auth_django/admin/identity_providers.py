"""Identity providers in the admin (Console's "Identity provider clients"), and a user's linked identities.

The Facebook app secret is write-only: the form takes a new one and never renders the
stored value (which is encrypted; see idp/secret_box.py). Client IDs are typed one per
line and a static JWKS as JSON (admin/idp_fields.py); a kind's fields show for that kind.
The user page gets two inlines, added to whatever UserAdmin the site registered (never
replacing it): the IdP accounts linked to the user, each unlinkable, and whether the site
has verified the user's email.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth import get_user_model
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from ..idp.verified_email import user_email
from ..models import IdentityLink, IdentityProvider, IdpKind, VerifiedEmail
from .idp_fields import ClientIdsField, JwksField, check_client_id

# The fieldsets that belong to some kinds only: (title, fields, kinds). The change page shows
# its provider's; the add page shows them all, and idp_kind.js hides the other kinds' once
# one is chosen (without JavaScript the help texts say which kind each field is for).
KIND_FIELDSETS = (
    (_("OpenID Connect"), ("issuer",), (IdpKind.OIDC,)),
    (_("Signing keys"), ("jwks",), (IdpKind.OIDC, IdpKind.GOOGLE)),
    (_("Facebook"), ("app_secret",), (IdpKind.FACEBOOK,)),
)
SECRET_HELP_ADD = _("Facebook only: the app secret of your Facebook app. Stored encrypted and never shown again.")
SECRET_HELP_CHANGE = _("Write-only: stored encrypted, never shown. Leave blank to keep the current one.")


class IdentityProviderForm(forms.ModelForm):
    app_secret = forms.CharField(
        label=_("App secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = IdentityProvider
        fields = ("idp_id", "name", "kind", "client_id", "trusted_client_ids", "issuer", "jwks", "is_active")
        field_classes = {"trusted_client_ids": ClientIdsField, "jwks": JwksField}
        labels = {"kind": _("Kind")}
        help_texts = {
            "kind": _("Choose it first: the fields below depend on it. It cannot be changed later."),
            "trusted_client_ids": _(
                "Other client IDs of the same provider accepted as the token's audience (e.g. your mobile "
                "apps'), one per line."
            ),
            "jwks": _(
                'Optional: the provider\'s public keys as a JWKS, {"keys": [...]}, used instead of fetching '
                "them. Leave blank to fetch them (OpenID Connect: from the issuer; Google: Google's keys)."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "client_id" in self.fields:
            self.fields["client_id"].validators.append(check_client_id)
        if self.instance.pk is None:
            self.fields["app_secret"].help_text = SECRET_HELP_ADD
        elif self.instance.kind == IdpKind.FACEBOOK:
            self.fields["app_secret"].help_text = SECRET_HELP_CHANGE
        else:
            del self.fields["app_secret"]  # not on the page: only Facebook providers have one

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind") if "kind" in self.fields else self.instance.kind
        secret = cleaned.get("app_secret")
        if secret and kind == IdpKind.FACEBOOK:
            self.instance.set_app_secret(secret)  # before the model's clean(), which needs it for Facebook
        elif secret and kind:
            self.add_error("app_secret", _("Only Facebook providers have an app secret."))
        return cleaned


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    form = IdentityProviderForm
    list_display = ("idp_id", "name", "kind_shown", "client_id", "is_active", "secret_set", "linked")
    list_filter = ("kind", "is_active")
    search_fields = ("idp_id", "name", "client_id")

    class Media:
        css = {"all": ("flex_auth_django/admin/flex_admin.css",)}
        js = ("flex_auth_django/admin/idp_kind.js",)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            head = ("kind", "idp_id", "name", "is_active")
        else:  # the kind is fixed: the linked accounts' subjects belong to this kind of provider
            head = ("kind_shown", "idp_id", "name", "is_active", "created")
        fieldsets = [(None, {"fields": head}), (_("Client"), {"fields": ("client_id", "trusted_client_ids")})]
        for title, fields, kinds in KIND_FIELDSETS:
            if obj is None:
                classes = ("flex-kind-fields", *(f"flex-for-{kind}" for kind in kinds))
                fieldsets.append((title, {"fields": fields, "classes": classes}))
            elif obj.kind in kinds:
                fieldsets.append((title, {"fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("kind_shown", "created")

    @admin.display(description=_("kind"), ordering="kind")
    def kind_shown(self, obj: IdentityProvider) -> str:
        return obj.get_kind_display()

    @admin.display(boolean=True, description=_("app secret set"))
    def secret_set(self, obj: IdentityProvider) -> bool:
        return obj.has_app_secret

    @admin.display(description=_("linked accounts"))
    def linked(self, obj: IdentityProvider) -> int:
        return obj.links.count()

    @method_decorator(sensitive_post_parameters("app_secret"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)


class IdentityLinkInline(admin.TabularInline):
    """The IdP accounts that sign in as this user; deleting a row unlinks the account."""

    model = IdentityLink
    fk_name = "user"
    extra = 0
    fields = ("provider", "subject", "created", "last_login")
    readonly_fields = fields
    can_delete = True
    verbose_name = _("linked identity (delete to unlink)")
    verbose_name_plural = _("linked identities (delete to unlink)")

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # links are made by signing in, never typed in

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("flex_auth_django.delete_identitylink")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("flex_auth_django.view_identitylink")


class VerifiedEmailForm(forms.ModelForm):
    class Meta:
        model = VerifiedEmail
        fields = ("email",)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        user = getattr(self.instance, "user", None) if self.instance.user_id else None
        current = user_email(user) if user is not None else ""
        if not current or email.strip().lower() != current.lower():
            raise forms.ValidationError(_("Only the user's current (saved) email address can be marked verified."))
        return email


class VerifiedEmailInline(admin.TabularInline):
    """Mark the user's current address verified (the default verified-email check reads it)."""

    model = VerifiedEmail
    form = VerifiedEmailForm
    fk_name = "user"
    extra = 0
    max_num = 1
    fields = ("email", "verified_at")
    readonly_fields = ("verified_at",)
    verbose_name = _("verified email (for sign-in with an identity provider)")

    def get_extra(self, request, obj=None, **kwargs) -> int:
        return 1 if obj is not None and not VerifiedEmail.objects.filter(user=obj).exists() else 0


def extend_user_admin(site: admin.AdminSite) -> None:
    """Add the inlines to the site's registered UserAdmin (nothing if the user model is not registered)."""
    try:
        user_admin = site.get_model_admin(get_user_model())
    except NotRegistered:
        return
    extra = [inline for inline in (IdentityLinkInline, VerifiedEmailInline) if inline not in user_admin.inlines]
    user_admin.inlines = [*user_admin.inlines, *extra]
