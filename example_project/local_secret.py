"""A random SECRET_KEY per checkout, kept in a git-ignored file, for when none is configured.

A fixed key in the repository would be public: anyone holding it and one old refresh token
could compute the session's later tokens (digests and successors are keyed from it).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_or_create(path: Path) -> str:
    """The key stored at `path`, created (mode 0600) on first use; safe when processes race."""
    try:
        key = path.read_text().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip() or load_or_create(path)  # another process won the race
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key
