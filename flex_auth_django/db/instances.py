"""Model instances from values held in memory, as Model.from_db() builds them, without its cost.

The hot paths build an application (and an opaque token's row) from held values on every
request. Model.from_db() goes through Model.__init__, which sends pre_init and post_init and
sets each field by name: about 4 µs for an application, the same for a token row. When nothing
can tell the difference (the model keeps Django's __init__ and from_db, nobody listens to
pre_init or post_init for it, every concrete field is given), the instance is made by filling
its __dict__ instead, 0.6 µs. Otherwise from_db() runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

_PLAIN_FROM_DB = Model.from_db.__func__


def _plain(model: type[Model], attnames: Sequence[str]) -> bool:
    return (
        model.__init__ is Model.__init__
        and getattr(model.from_db, "__func__", None) is _PLAIN_FROM_DB
        and len(attnames) == len(model._meta.concrete_fields)
        and not pre_init.has_listeners(model)
        and not post_init.has_listeners(model)
    )


def from_values(model: type[Model], using: str, attnames: Sequence[str], values: Sequence) -> Model:
    """model.from_db(using, attnames, values), each call a new instance; every field given in order."""
    if not _plain(model, attnames):
        return model.from_db(using, list(attnames), list(values))
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    state = instance._state = ModelState()
    state.adding = False
    state.db = using
    return instance
