"""App configuration: registers the system checks, the signal receivers and the django-oauth-toolkit wing."""

from django.apps import AppConfig


class FlexAuthConfig(AppConfig):
    name = "flex_auth_django"
    verbose_name = "API applications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import audit, checks, models, receivers  # noqa: F401  (registration side effects)
        from .dot import register
        from .tokens import kinds
        from .usage import receivers as usage_receivers  # noqa: F401  (the usage counters)

        # The token rows answer DOT's scope tools with the resource side's decision.
        models.decide_scopes_with(kinds.allows)

        # The core offers hooks (legacy secret verifiers, legacy refresh-token lookups, admin
        # clean-ups); everything that exists because of django-oauth-toolkit plugs in here.
        register()
