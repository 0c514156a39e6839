"""POST auth_with_idp: what `sdk.loginWithIdp()` calls. view -> TokenRequest -> registry -> IdpLoginGrant -> Issued."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ..grants import get_registry
from ..grants.idp_login import IDP_LOGIN
from ..protocol.endpoint import EndpointView
from ..protocol.http import json_response
from ..protocol.token_request import TokenRequest


class AuthWithIdpView(EndpointView):
    announces_refusals = True
    implied_grant_type = IDP_LOGIN

    def handle(self, request: HttpRequest) -> HttpResponse:
        issued = get_registry().dispatch_to(IDP_LOGIN, TokenRequest.from_http(request, self.form(request)))
        return json_response(issued.as_response())

    @property
    def endpoint_name(self) -> str:
        return IDP_LOGIN
