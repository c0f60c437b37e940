"""Rules stated once and asked everywhere: the campaign slug rule and the refusal rule."""

from datetime import date

import pytest

from requests_app.campaign_json import CampaignJsonError, parse_campaign
from requests_app.forms import CampaignForm, ResponseForm
from requests_app.models import ForceList
from requests_app.services.campaigns import campaign_create, campaign_slug_problem
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import request_mark_sent, request_record_response
from requests_app.workflow import refusal_problem
from tests.conftest import NSPCC_PERIODS
from tests.factories import FoiRequestFactory


@pytest.mark.parametrize(
    "slug, ok",
    [
        ("nspcc-online_2017", True),
        ("", False),
        ("two words", False),
        ("Upper-Case", False),
        ("x" * 80, True),
        ("x" * 81, False),
        ("new", False),
        (None, False),
    ],
)
def test_it_states_the_slug_rule_once(db, slug, ok):
    assert (campaign_slug_problem(slug) is None) == ok


def test_it_says_a_taken_slug_is_taken_only_for_a_new_campaign(db, campaign):
    assert "already exists" in campaign_slug_problem(campaign.slug)
    assert campaign_slug_problem(campaign.slug, new=False) is None


def _form_error(slug):
    form = CampaignForm(
        {
            "title": "T",
            "slug": slug,
            "request_text": "Dear {force_name}",
            "force_list": ForceList.objects.get(slug="england-and-wales").pk,
            "chase_again_after": 10,
            "rounding_rule": "half_up",
            "suppressed_lower": 1,
            "suppressed_upper": 4,
        }
    )
    assert not form.is_valid()
    return form.errors["slug"][0]


def _service_error(slug, forces):
    with pytest.raises(ServiceError) as exc:
        campaign_create(
            actor=None,
            slug=slug,
            title="T",
            request_text="Dear {force_name}",
            forces=forces,
            periods=NSPCC_PERIODS,
        )
    assert exc.value.field == "slug"
    return str(exc.value)


def _json_error(slug):
    with pytest.raises(CampaignJsonError) as exc:
        parse_campaign(f'{{"slug": "{slug}"}}', update=True)
    return str(exc.value)


@pytest.mark.parametrize("slug", ["new", "Upper-Case"])
def test_the_form_the_service_and_the_json_reader_give_the_same_answer(db, slug, england_and_wales):
    problem = campaign_slug_problem(slug)
    assert _form_error(slug) == problem
    assert _service_error(slug, england_and_wales) == problem
    assert _json_error(slug).endswith(problem)


def test_it_states_the_refusal_rule_once(db, staff):
    problem = refusal_problem("refused", [])
    assert problem == "A refusal must cite at least one exemption."
    assert refusal_problem("refused", ["foia:s12"]) is None
    assert refusal_problem("full", []) is None
    foi = FoiRequestFactory()
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2025, 1, 6))
    form = ResponseForm({"outcome": "refused", "answered_on": "2025-01-20"}, foi=foi)
    assert not form.is_valid()
    assert form.errors["exemptions"] == [problem]
    with pytest.raises(ServiceError) as exc:
        request_record_response(
            request_id=foi.pk, actor=staff, outcome="refused", answered_on=date(2025, 1, 20)
        )
    assert (str(exc.value), exc.value.field) == (problem, "exemptions")
