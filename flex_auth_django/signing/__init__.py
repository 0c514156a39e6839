"""Signing keys for signed access tokens (keys.py) and their system checks (checks.py)."""
