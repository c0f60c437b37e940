"""factory_boy factories. Forces come from the migration; factories pick them by name."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from requests_app.models import Campaign, FoiRequest, Force, Period
from requests_app.roles import grant


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        if create and extracted:
            grant(self, *extracted)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    slug = factory.Sequence(lambda n: f"campaign-{n}")
    title = factory.Sequence(lambda n: f"Campaign {n}")
    request_text = "Dear {force_name}, please tell me how many offences you recorded in {periods}."
    owner = factory.SubFactory(UserFactory)
    created_at = factory.LazyFunction(timezone.now)


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period

    campaign = factory.SubFactory(CampaignFactory)
    label = "2016/17"
    start = factory.LazyFunction(lambda: __import__("datetime").date(2016, 4, 1))
    end = factory.LazyFunction(lambda: __import__("datetime").date(2017, 3, 31))


class FoiRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FoiRequest

    campaign = factory.SubFactory(CampaignFactory)
    force = factory.LazyFunction(lambda: Force.objects.get(name="Kent Police"))
