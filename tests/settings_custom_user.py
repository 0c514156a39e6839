"""Test settings with a custom user model (the app tests/custom_user): UUID keys, login by email, its own admin.

tests/console/test_custom_user_model.py runs tests/console/test_login_as_custom_user.py under them."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.custom_user"]
AUTH_USER_MODEL = "custom_user.Member"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
