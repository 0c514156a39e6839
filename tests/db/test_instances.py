"""db/instances.from_values: the hot paths' model instances, as from_db builds them."""

from __future__ import annotations

import pytest
from django.db.models.signals import post_init

from flex_auth_django.db.instances import from_values
from flex_auth_django.models import Application
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

FIELDS = tuple(f.attname for f in Application._meta.concrete_fields)


def values_of(app: Application) -> tuple:
    return tuple(getattr(app, name) for name in FIELDS)


def test_an_instance_is_what_from_db_builds():
    app = ApplicationFactory()
    built = from_values(Application, "default", FIELDS, values_of(app))
    expected = Application.from_db("default", list(FIELDS), list(values_of(app)))
    assert type(built) is Application
    assert values_of(built) == values_of(expected)
    assert (built._state.adding, built._state.db) == (False, "default")
    assert built == app and built.get_deferred_fields() == set()
    built.name = "renamed"
    built.save(update_fields=["name"])  # a saved instance, not a new row
    assert Application.objects.get(pk=app.pk).name == "renamed"
    assert Application.objects.count() == 1


def test_each_call_is_a_new_instance():
    app = ApplicationFactory()
    one = from_values(Application, "default", FIELDS, values_of(app))
    two = from_values(Application, "default", FIELDS, values_of(app))
    one.is_active = False
    assert two.is_active is True and one._state is not two._state


def test_with_a_post_init_listener_from_db_runs_and_the_listener_hears_it():
    app = ApplicationFactory()
    heard = []

    def listener(sender, instance, **kwargs):
        heard.append(instance)

    post_init.connect(listener, sender=Application)
    try:
        built = from_values(Application, "default", FIELDS, values_of(app))
    finally:
        post_init.disconnect(listener, sender=Application)
    assert heard == [built]


def test_fields_left_out_are_deferred_as_from_db_defers_them():
    app = ApplicationFactory()
    fields = tuple(name for name in FIELDS if name != "client_secret_digest")
    built = from_values(Application, "default", fields, tuple(getattr(app, name) for name in fields))
    assert built.get_deferred_fields() == {"client_secret_digest"}
    assert built.client_secret_digest == app.client_secret_digest  # loaded on access
