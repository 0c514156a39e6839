"""Re-seal identity-provider app secrets under the one key derivation (crypto/derived_keys.py).

0.1 sealed them as `aesgcm1` under an HKDF-derived key; the runtime now opens only
`aesgcm2`. The 0.1 derivation is frozen here, as migrations keep the code of their time.
A value no configured SECRET_KEY opens is left as it is (the admin then asks for the
secret again, as for any value it cannot open).
"""

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import migrations

from flex_auth_django.idp import secret_box

V1 = "aesgcm1"
V1_INFO = b"flex-auth-django identity-provider secret v1"


def _v1_keys():
    keys = []
    for secret_key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=V1_INFO).derive(secret_key.encode())
        keys.append((hashlib.sha256(key).hexdigest()[:8], key))
    return keys


def _open_v1(value):
    try:
        prefix, tag, data = value.split("$")
        raw = base64.urlsafe_b64decode(data)
    except ValueError:
        return None
    if prefix != V1 or len(raw) < 13:
        return None
    for key_tag, key in _v1_keys():
        if key_tag == tag:
            try:
                return AESGCM(key).decrypt(raw[:12], raw[12:], V1.encode()).decode()
            except (InvalidTag, UnicodeDecodeError):
                return None
    return None


def _seal_v1(plaintext):
    tag, key = _v1_keys()[0]
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), V1.encode())
    return f"{V1}${tag}${base64.urlsafe_b64encode(sealed).decode()}"


def reseal(apps, schema_editor):
    IdentityProvider = apps.get_model("flex_auth_django", "IdentityProvider")
    for provider in IdentityProvider.objects.filter(app_secret_sealed__startswith=f"{V1}$"):
        plaintext = _open_v1(provider.app_secret_sealed)
        if plaintext is not None:
            provider.app_secret_sealed = secret_box.seal(plaintext)
            provider.save(update_fields=["app_secret_sealed"])


def unseal(apps, schema_editor):
    IdentityProvider = apps.get_model("flex_auth_django", "IdentityProvider")
    for provider in IdentityProvider.objects.filter(app_secret_sealed__startswith=f"{secret_box.PREFIX}$"):
        plaintext = secret_box.open_sealed(provider.app_secret_sealed)
        if plaintext is not None:
            provider.app_secret_sealed = _seal_v1(plaintext)
            provider.save(update_fields=["app_secret_sealed"])


class Migration(migrations.Migration):
    dependencies = [("flex_auth_django", "0009_login_as")]

    operations = [migrations.RunPython(reseal, unseal, elidable=False)]
