"""App configuration: wires system checks and signal receivers at start-up."""

from django.apps import AppConfig


class FlexAuthConfig(AppConfig):
    name = "flex_auth_django"
    verbose_name = "API applications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import abuse_checks, audit, checks, checks_keys, receivers  # noqa: F401  (registration side effects)
        from .adoption import checks as adoption_checks  # noqa: F401
        from .idp import checks as idp_checks  # noqa: F401
        from .login_as import checks as login_as_checks  # noqa: F401
        from .signing import checks as signing_checks  # noqa: F401
