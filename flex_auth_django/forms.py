"""Admin forms: create an application (name and API type only), confirm secret regeneration."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiType, Application

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


class ApplicationCreateForm(forms.ModelForm):
    """What Console asks when creating an application; the client ID and secret are generated."""

    class Meta:
        model = Application
        fields = ("name", "api_type")
        widgets = {"api_type": ApiTypeSelect}


class ApplicationChangeForm(forms.ModelForm):
    """Only the name can be edited; the API type decides the grants and scopes tokens were issued with."""

    class Meta:
        model = Application
        fields = ("name",)


class ConfirmForm(forms.Form):
    """The POST behind a confirmation page; the hidden field keeps a bare POST from acting by accident."""

    confirm = forms.BooleanField(widget=forms.HiddenInput, initial=True)


class RegenerateSecretForm(ConfirmForm):
    revoke_tokens = forms.BooleanField(
        label=_("Also revoke every token of this application"),
        required=False,
        help_text=_(
            "Tokens already issued stay valid until they expire unless you revoke them. Revoke them if the "
            "old secret may have leaked; users of a Marketplace application then have to log in again."
        ),
    )
