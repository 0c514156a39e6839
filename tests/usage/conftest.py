"""Every usage test starts from no pending counts and an empty client-ID cache."""

from __future__ import annotations

import pytest

from flex_auth_django.usage import store
from flex_auth_django.usage.counters import counters


@pytest.fixture(autouse=True)
def _fresh_counters():
    counters.take()
    store.forget_resolved()
    yield
    counters.take()
    store.forget_resolved()
