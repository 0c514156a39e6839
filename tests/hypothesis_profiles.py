"""Hypothesis settings for the suite: no deadline (CI machines are slow), nothing written to disk.

Under CI (the CI environment variable) examples are derandomized, so a run is
reproducible; locally they are random, to keep exploring. HYPOTHESIS_PROFILE=explore
asks for ten times the examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_common = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
}
settings.register_profile("flex", derandomize=bool(os.environ.get("CI")), **_common)
settings.register_profile("explore", max_examples=1000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "flex"))
