"""Failure throttling before any password or secret is verified: windows (counting), stores (cache), guards (policy).

Spec (Throttling): password failures per username and per client IP, client-secret
failures per client ID, each over a window. Over the limit the answer is 429 with
Retry-After, the same for existing and unknown users. A success resets the username
counter. If the cache is down, THROTTLE_CACHE_FAILURE chooses between refusing (503,
"closed", the default) and letting requests through ("open").

Tests replace `windows.clock` (to move time) and `guards.store` (to watch the cache calls)
where they are read; neither is re-exported here, so patching `throttling.clock` or
`throttling.store` fails loudly instead of silently changing nothing.
"""

from .guards import Guard, charge, check, guard_client_secret, guard_password
from .windows import KEY_PREFIX, Counter, counter, normalise

__all__ = [
    "KEY_PREFIX",
    "Counter",
    "Guard",
    "charge",
    "check",
    "counter",
    "guard_client_secret",
    "guard_password",
    "normalise",
]
