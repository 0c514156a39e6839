"""Admin forms: create an application (name and API type only), confirm secret regeneration."""

from __future__ import annotations

import secrets

from django import forms
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from ..console import marketplace_url
from ..models import ApiType, Application

API_TYPE_HELP = {
    ApiType.MARKETPLACE: _(
        "For your marketplace's web and mobile clients (the Sharetribe SDK): anonymous and user logins. "
        "The client secret is needed only server-side, for token exchange."
    ),
    ApiType.INTEGRATION: _(
        "For trusted back-end integrations: full access with the client secret. Never ship it to a browser or an app."
    ),
}


class ApiTypeSelect(forms.RadioSelect):
    """Radio buttons whose labels say what each API type is for."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        help_text = API_TYPE_HELP.get(value)
        if help_text:
            label = f"{label}: {help_text}"
        return super().create_option(name, value, label, selected, index, subindex, attrs)


class MarketplaceUrlMixin:
    """The Marketplace URL: cleaned to an origin without a trailing slash, only for Marketplace applications."""

    def clean_marketplace_url(self) -> str:
        return marketplace_url.clean(self.cleaned_data.get("marketplace_url", ""))

    def clean(self):
        cleaned = super().clean()
        api_type = cleaned.get("api_type") or getattr(self.instance, "api_type", None)
        if cleaned.get("marketplace_url") and api_type != ApiType.MARKETPLACE:
            self.add_error("marketplace_url", _("Only Marketplace applications have a Marketplace URL."))
        return cleaned


class ApplicationCreateForm(forms.ModelForm):
    """What Console asks when creating an application; the client ID and secret are generated."""

    # A plain ChoiceField: the model field's blank "---------" choice makes no sense as a radio button.
    api_type = forms.ChoiceField(
        label=_("API type"), choices=ApiType.choices, widget=ApiTypeSelect(attrs={"class": "radiolist"})
    )

    # The one-time page is the response to this POST, so reloading it would submit the form
    # again; a random token per form lets the second submission be refused instead of
    # creating a second application.
    submission = forms.CharField(widget=forms.HiddenInput, max_length=64)

    class Meta:
        model = Application
        fields = ("name", "api_type")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["submission"].initial = secrets.token_urlsafe(16)

    @staticmethod
    def _key(submission: str) -> str:
        return f"flex_auth:admin-create:{submission}"

    @classmethod
    def created_by(cls, submission: str | None) -> int | bool | None:
        """What an earlier POST of this form created: the application's pk (True while it is being
        saved), or None when the form was not submitted before."""
        if not submission or len(submission) > 64:
            return None
        return cache.get(cls._key(submission))

    def clean_submission(self) -> str:
        value = self.cleaned_data["submission"]
        if self.created_by(value) is not None:
            raise forms.ValidationError(
                _(
                    "This form was already submitted and the application was created. Its secret was shown "
                    "once and cannot be shown again: open the application and regenerate the secret if you "
                    "did not copy it."
                ),
                code="resubmitted",
            )
        return value

    def claim_submission(self) -> bool:
        """Mark this form as used; False when a concurrent submission of it got there first."""
        return cache.add(self._key(self.cleaned_data["submission"]), True, timeout=24 * 3600)

    def record_created(self, application: Application) -> None:
        """Remember which application this form created, for the page a reload of it gets."""
        cache.set(self._key(self.cleaned_data["submission"]), application.pk, timeout=24 * 3600)


class ApplicationChangeForm(MarketplaceUrlMixin, forms.ModelForm):
    """Only the name and the Marketplace URL can be edited; the API type decides the grants and scopes
    tokens were issued with."""

    class Meta:
        model = Application
        fields = ("name", "marketplace_url")


class ConfirmForm(forms.Form):
    """The POST behind a confirmation page; the hidden field keeps a bare POST from acting by accident."""

    confirm = forms.BooleanField(widget=forms.HiddenInput, initial=True)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class RegenerateSecretForm(ConfirmForm):
    revoke_tokens = forms.BooleanField(
        label=_("Also revoke every token of this application"),
        required=False,
        help_text=_(
            "Tokens already issued stay valid until they expire unless you revoke them. Revoke them if the "
            "old secret may have leaked; users of a Marketplace application then have to log in again."
        ),
    )
