"""The grant contract: names, the token kind issued per API type, whether a secret is needed;
authenticate the client, validate, then issue."""

from __future__ import annotations

from typing import Any, ClassVar

from ..models import Application
from ..protocol import client_auth
from ..protocol.token_request import TokenRequest
from ..tokens import Issued, kinds, scopes


class BaseGrant:
    """One grant type (or several names for it) on the token endpoint.

    The registry dispatches a TokenRequest to `handle()`, which authenticates the client
    (client_auth), then calls `validate()` (raises an OAuth error or returns what
    `issue()` needs), then `issue()`, which calls the token service and returns an
    Issued; the token view renders it, and the token service announces it. `issues` maps
    each API type that may use the grant to the kind of token it issues (kinds.KINDS),
    which gives its default scope.
    """

    grant_types: ClassVar[tuple[str, ...]] = ()
    # Served by POST token under its grant_type; False for a grant with an endpoint of its own.
    token_endpoint: ClassVar[bool] = True
    issues: ClassVar[dict[str, str]] = {}
    api_types: ClassVar[frozenset[str]] = frozenset()  # derived from `issues`

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.api_types = frozenset(cls.issues)

    # -- declarations ------------------------------------------------------------------
    def allows(self, application: Application) -> bool:
        return application.api_type in self.issues

    def needs_secret(self, application: Application) -> bool:
        return False

    def kind_for(self, application: Application) -> str:
        return self.issues[application.api_type]

    def scope_for(self, request: TokenRequest, application: Application) -> str:
        """The requested scope, or the default of the kind this grant issues to `application`."""
        return scopes.resolve(request.scope, kinds.issued_scope(kinds.kind(self.kind_for(application))))

    # -- steps ---------------------------------------------------------------------------
    def validate(self, request: TokenRequest, application: Application) -> Any:
        raise NotImplementedError

    def issue(self, request: TokenRequest, validated: Any) -> Issued:
        """Call the token service, which announces what it issued (signals)."""
        raise NotImplementedError

    def grant_type(self, request: TokenRequest) -> str:
        """The name this request used (one of `grant_types`), for the token service's signal."""
        return request.grant_type or self.grant_types[0]

    def handle(self, request: TokenRequest) -> Issued:
        application = client_auth.authenticate(
            request.credentials, ip=request.ip, allowed=self.allows, needs_secret=self.needs_secret
        )
        validated = self.validate(request, application)
        return self.issue(request, validated)
