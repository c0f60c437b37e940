"""Publishing a release from the command line: publish_release, its next version, an embargo
(--at), and the user it checks."""

import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from figures_app.models import ReleaseVersion
from requests_app.roles import REVIEWER
from tests.factories import UserFactory
from tests.figures_app.conftest import enter
from tests.figures_app.release_helpers import at

pytestmark = pytest.mark.django_db


def test_the_command_publishes_then_publishes_the_next_version(figures, staff, reviewer):
    out = io.StringIO()
    call_command(
        "publish_release",
        figures.slug,
        "--slug",
        "cmd",
        "--title",
        "T",
        "--user",
        reviewer.username,
        stdout=out,
    )
    assert "version 1" in out.getvalue() and "public now" in out.getvalue()
    enter(figures, staff, [("Kent", "2016/17", 316)], approve_by=reviewer)
    out = io.StringIO()
    call_command(
        "publish_release",
        figures.slug,
        "--slug",
        "cmd",
        "--user",
        reviewer.username,
        "--metric",
        "offences",
        "--note",
        "Kent corrected",
        stdout=out,
    )
    assert "version 2" in out.getvalue()
    assert "Kent corrected from 361 to 316" in out.getvalue()


def test_the_command_embargoes_with_at_and_checks_the_user(figures, staff, reviewer):
    with time_machine.travel(at(2017, 5, 31, 12), tick=False):
        out = io.StringIO()
        call_command(
            "publish_release",
            figures.slug,
            "--slug",
            "emb",
            "--title",
            "T",
            "--user",
            reviewer.username,
            "--at",
            "2042-06-01 00:01",
            stdout=out,
        )
        assert "embargoed until 2042-06-01 00:01" in out.getvalue()
    with pytest.raises(CommandError, match="reviewer role"):
        call_command(
            "publish_release", figures.slug, "--slug", "x", "--title", "T", "--user", staff.username
        )
    with pytest.raises(CommandError, match="No user"):
        call_command("publish_release", figures.slug, "--slug", "x", "--user", "nobody")
    with pytest.raises(CommandError, match="not a date"):
        call_command(
            "publish_release",
            figures.slug,
            "--slug",
            "x",
            "--user",
            reviewer.username,
            "--at",
            "soon",
        )
    with pytest.raises(CommandError, match="No campaign"):
        call_command("publish_release", "nope", "--slug", "x", "--user", reviewer.username)


def test_a_reviewer_role_is_what_the_command_checks(figures):
    only_reviewer = UserFactory(username="rita", roles=[REVIEWER])
    call_command(
        "publish_release",
        figures.slug,
        "--slug",
        "r",
        "--title",
        "T",
        "--user",
        "rita",
        stdout=io.StringIO(),
    )
    assert ReleaseVersion.objects.get().published_by == only_reviewer
