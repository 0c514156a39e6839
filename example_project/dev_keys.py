"""The example site's development signing key: generated on first run, outside the tracked files.

Production sites give FLEX_AUTH['SIGNING_KEYS'] keys of their own (`manage.py
flex_generate_signing_key`); this only spares a new checkout that step. The file is
created atomically (written aside, then linked into place), so several processes starting
at once end up with one key.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def development_key(path: Path) -> Path:
    """`path`, holding an ES256 private key (created, mode 0600, if it does not exist yet)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        try:
            os.link(temporary, path)  # fails if another process won the race: its key stays
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
    return path
