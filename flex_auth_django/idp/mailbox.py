"""When two email addresses are the same mailbox, for linking an IdP account (spec: Identity-provider login, Matching).

The domain is compared after IDNA encoding and lower-casing, the local part exactly or
case-insensitively in ASCII only. Nothing else is equated: no Unicode case folding (the
database's UPPER() turns "ı" into "I" and "ſ" into "S"), no compatibility mapping (the
Kelvin sign, full-width letters), no normalisation (NFC and NFD spellings differ). A
domain that IDNA could only encode by mapping one of its characters to another is not a
domain this rule accepts, so an address with one never matches anything: IDNA 2003's
nameprep (the stdlib codec, used here so the rule does not depend on what is installed)
would fold "ſ" to "s", "K" to "k" and full-width letters to ASCII, which is exactly the
folding the rule forbids.
"""

from __future__ import annotations

import re
from encodings import idna

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
ACE_PREFIX = "xn--"
IDNA_DOTS = ("\u3002", "\uff0e", "\uff61")  # ideographic, full-width and half-width full stops
_HOSTNAME_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")  # RFC 1123 letters, digits, hyphens


def ascii_lower(value: str) -> str:
    """Lower case for A-Z only: the one case-insensitivity the rule allows."""
    return value.translate(_ASCII_LOWER)


def _label(label: str) -> str | None:
    """One domain label as its lower-case A-label (ASCII), or None when it is not a label the rule accepts."""
    encoded = _encode(ascii_lower(label))
    return encoded if encoded is not None and _HOSTNAME_LABEL.match(encoded) else None


def _encode(label: str) -> str | None:
    if not label:
        return None
    try:
        if label.isascii():
            if not label.startswith(ACE_PREFIX):
                return label
            unicode = idna.ToUnicode(label)  # returns its input when the A-label does not decode
            if unicode == label or idna.nameprep(unicode) != unicode:
                return None
            return label if ascii_lower(idna.ToASCII(unicode).decode("ascii")) == label else None
        if idna.nameprep(label) != label:
            return None  # IDNA would map a character (case, compatibility, NFC): never the same mailbox
        return ascii_lower(idna.ToASCII(label).decode("ascii"))
    except UnicodeError:
        return None


def _split(address: str) -> tuple[str, str] | None:
    if not isinstance(address, str):
        return None
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        return None
    return local, domain


def mailbox(address: str | None) -> tuple[str, str] | None:
    """(local part in ASCII lower case, domain as lower-case A-labels): equal exactly for the same mailbox.

    None for an address the rule cannot compare (no "@", an empty part, a domain IDNA
    rejects or would have to map): such an address is the same mailbox as nothing.
    """
    parts = _split(address or "")
    if parts is None:
        return None
    local, domain = parts
    if any(dot in domain for dot in IDNA_DOTS):
        return None  # IDNA 2003 reads these as dots: a mapping, so never the same mailbox
    labels = [_label(label) for label in domain.split(".")]
    if any(label is None for label in labels):
        return None
    return ascii_lower(local), ".".join(labels)  # type: ignore[arg-type]


def same_mailbox(a: str | None, b: str | None) -> bool:
    """Whether `a` and `b` name the same mailbox under the spec's rule (never for an address it cannot compare)."""
    left = mailbox(a)
    return left is not None and left == mailbox(b)


def unicode_form(address: str) -> str:
    """The address with its domain in U-label form (as given, stripped, when the rule cannot compare it)."""
    parts, canonical = _split(address), mailbox(address)
    if parts is None or canonical is None:
        return address.strip()
    return f"{parts[0]}@{'.'.join(idna.ToUnicode(label) for label in canonical[1].split('.'))}"


def spellings(address: str) -> list[str]:
    """The address as given and with its domain in A-label and in U-label form, for a database prefilter.

    A user may have stored either form; a case-insensitive lookup of each finds every row
    that can be the same mailbox (and maybe look-alikes, which same_mailbox() then drops).
    """
    found = [address.strip()]
    parts, canonical = _split(address), mailbox(address)
    if parts is not None and canonical is not None:
        found += [f"{parts[0]}@{canonical[1]}", unicode_form(address)]
    return list(dict.fromkeys(found))
