"""Every system check of the app, one module per part; importing this package registers them."""

from . import abuse, console, idp, issuer, keys, metrics, settings, signing, throttling  # noqa: F401  (registration)
