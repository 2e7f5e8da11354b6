import factory
from django.contrib.auth import get_user_model

from podkowa.core.models import Gmina


class GminaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gmina
        django_get_or_create = ("teryt",)

    name = "Podkowa Leśna"
    slug = factory.Sequence(lambda n: f"gmina-{n}")
    teryt = "1405021"
    bank_settlement_number = "10201055"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Anna"
    last_name = "Kowalska"
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
