"""What a verified IdP token says about its account, and the one refusal every verifier raises."""

from __future__ import annotations

from dataclasses import dataclass


class TokenRejected(Exception):
    """The token does not prove an account of this provider. `reason` is for the audit log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    subject: str  # the IdP's stable account id (`sub`, Facebook's user id)
    email: str | None
    email_verified: bool
    first_name: str = ""
    last_name: str = ""


def claimed_true(value: object) -> bool:
    """`email_verified` as providers send it: true, or the string "true" (some do)."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def clean_email(value: object) -> str | None:
    """An email address as a provider claims it, or None when it does not look like one."""
    return value.strip() if isinstance(value, str) and "@" in value and len(value) <= 254 else None


def short_text(value: object, limit: int = 150) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""
