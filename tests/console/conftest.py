"""The admin fixtures (staff_client) for the Login-as tests too."""

from tests.admin.conftest import staff_client  # noqa: F401
