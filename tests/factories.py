"""factory-boy factories: users, Marketplace and Integration applications, tokens.

Secrets and tokens are stored only as digests, so each factory keeps the raw value it
generated on the instance (`application.secret`, `token.raw`) for tests to present.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from flex_auth_django.models import AccessToken, ApiType, Application, RefreshToken, TokenKind
from flex_auth_django.tokens import digests, generate

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.LazyAttribute(lambda o: o.email)
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class _RawValueFactory(factory.django.DjangoModelFactory):
    """Pops the raw value before the row is saved and keeps it on the instance."""

    _raw_attribute = "raw"

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        raw = kwargs.pop(cls._raw_attribute)
        obj = super()._create(model_class, *args, **kwargs)
        setattr(obj, cls._raw_attribute, raw)
        return obj

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raw = kwargs.pop(cls._raw_attribute)
        obj = super()._build(model_class, *args, **kwargs)
        setattr(obj, cls._raw_attribute, raw)
        return obj


class ApplicationFactory(_RawValueFactory):
    _raw_attribute = "secret"

    class Meta:
        model = Application

    class Params:
        integration = factory.Trait(api_type=ApiType.INTEGRATION, name=factory.Sequence(lambda n: f"Integration {n}"))
        inactive = factory.Trait(is_active=False)

    name = factory.Sequence(lambda n: f"Marketplace {n}")
    api_type = ApiType.MARKETPLACE
    secret = factory.LazyFunction(generate.client_secret)
    client_secret_digest = factory.LazyAttribute(lambda o: digests.make(o.secret))
    client_secret_last4 = factory.LazyAttribute(lambda o: o.secret[-4:])
    # Recently used, so that issuing a token does not also write last_used.
    last_used = factory.LazyFunction(timezone.now)


class AccessTokenFactory(_RawValueFactory):
    class Meta:
        model = AccessToken

    class Params:
        expired = factory.Trait(expires=factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=1)))
        revoked_now = factory.Trait(revoked=factory.LazyFunction(timezone.now))
        anonymous = factory.Trait(kind=TokenKind.ANONYMOUS, scope="public-read", user=None, family=None)
        trusted = factory.Trait(kind=TokenKind.TRUSTED_USER, scope="trusted:user")
        integration = factory.Trait(
            kind=TokenKind.INTEGRATION,
            scope="integ",
            user=None,
            application=factory.SubFactory(ApplicationFactory, integration=True),
        )

    raw = factory.LazyFunction(generate.access_token)
    digest = factory.LazyAttribute(lambda o: digests.make(o.raw))
    application = factory.SubFactory(ApplicationFactory)
    user = factory.SubFactory(UserFactory)
    kind = TokenKind.USER
    scope = "user"
    family = factory.LazyFunction(uuid.uuid4)
    expires = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=10))


class RefreshTokenFactory(_RawValueFactory):
    class Meta:
        model = RefreshToken

    class Params:
        expired = factory.Trait(expires=factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=1)))
        integration = factory.Trait(
            kind=TokenKind.INTEGRATION,
            scope="integ",
            user=None,
            application=factory.SubFactory(ApplicationFactory, integration=True),
        )

    raw = factory.LazyFunction(generate.refresh_token)
    digest = factory.LazyAttribute(lambda o: digests.make(o.raw))
    application = factory.SubFactory(ApplicationFactory)
    user = factory.SubFactory(UserFactory)
    kind = TokenKind.USER
    scope = "user"
    family = factory.LazyFunction(uuid.uuid4)
    family_started = factory.LazyFunction(timezone.now)
    expires = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
