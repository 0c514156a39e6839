"""Failure throttling before any password or secret is verified: windows (counting), stores (cache), guards (policy).

Spec (Throttling): password failures per (account, client IP), per account and per
client IP; client-secret failures per client IP only (never per client ID), each over a
sliding window. Over a limit the answer is 429 with Retry-After, the same for existing
and unknown users. A success resets the (account, IP) counter. Cache keys are keyed
digests (HMAC with a key derived from SECRET_KEY). If the cache is down,
THROTTLE_CACHE_FAILURE chooses between refusing (503, "closed", the default) and
letting requests through ("open").

Tests replace `windows.clock` (to move time) and `guards.store` (to watch the cache calls)
where they are read; neither is re-exported here, so patching `throttling.clock` or
`throttling.store` fails loudly instead of silently changing nothing.
"""

from .guards import Guard, charge, check, guard_client_secret, guard_idp, guard_password
from .windows import KEY_PREFIX, Counter, counter, digest, normalise, normalise_ip

__all__ = [
    "KEY_PREFIX",
    "Counter",
    "Guard",
    "charge",
    "check",
    "counter",
    "digest",
    "guard_client_secret",
    "guard_idp",
    "guard_password",
    "normalise",
    "normalise_ip",
]
