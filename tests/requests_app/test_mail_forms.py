"""Mail of the real world's shapes (issue 23): each form in tests/requests_app/mail_forms/ is
known for what it is, filed where it belongs, and does to the request what its kind should;
the same form forged by a stranger who knows our reference acts on nothing."""

from __future__ import annotations

import pytest

from requests_app.models import FoiRequest, RequestEvent
from requests_app.models.mail import MatchedBy, MessageKind, MessageStatus
from requests_app.services.mail_in import Outcome, message_receive
from requests_app.workflow import Status
from tests.requests_app import real_mail

FORMS = real_mail.forms()


def test_the_corpus_covers_every_kind_and_names_its_source():
    kinds = {form.kind for form in FORMS}
    assert kinds == {"bounce", "delay", "auto_reply", "acknowledgement", "reply"}
    assert len(FORMS) >= 40
    files = {path.name for path in real_mail.FOLDER.glob("*.eml")}
    assert files == {form.file for form in FORMS}, "every .eml is in forms.json, and only those"
    for form in FORMS:
        assert form.source and form.sender, form.file


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_each_form_is_known_for_what_it_is(sent_kent, form):
    result = message_receive(raw=real_mail.fill(form, sent_kent), source="stdin")
    message = result.message
    assert message.kind == form.kind, f"{form.file}: {message.kind_reason}"
    assert message.kind_reason, "the page says why it got its kind"
    foi = FoiRequest.objects.select_related("force").get(pk=sent_kent.pk)

    # Our Message-ID, or the request's reply address (To, or a returned message's Reply-To).
    if form.carries_original or "${reply_to}" in form.template().template:
        assert result.outcome == Outcome.FILED, f"{form.file}: {message.match_reason}"
        assert message.request == sent_kent
        assert message.matched_by in (MatchedBy.TOKEN, MatchedBy.THREAD)
    else:
        # Nothing a stranger could not write: a person decides.
        assert result.outcome == Outcome.INBOX, f"{form.file}: {message.match_reason}"
        assert message.request is None

    acted = result.outcome == Outcome.FILED
    # Only a reply wants a person; nothing automatic stops the chasers.
    assert (foi.new_reply_at is not None) == (acted and form.kind == MessageKind.REPLY)
    if form.kind == MessageKind.ACKNOWLEDGEMENT and acted:
        assert foi.status == Status.ACKNOWLEDGED
        assert foi.force_reference == form.force_reference
    else:
        assert foi.status == Status.SENT
    if form.kind == MessageKind.REPLY and form.force_reference:
        assert message.force_reference == form.force_reference
    failing = foi.force.email_failing_since is not None
    assert failing == (acted and form.kind == MessageKind.BOUNCE), foi.force.email_failure


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_the_same_form_forged_acts_on_nothing(sent_kent, form):
    """A stranger who knows our reference and the force's address, not our email."""
    result = message_receive(raw=real_mail.forge(form, sent_kent), source="stdin")
    assert result.outcome == Outcome.INBOX, result.message.match_reason
    assert result.message.status == MessageStatus.INBOX and result.message.request is None
    foi = FoiRequest.objects.select_related("force").get(pk=sent_kent.pk)
    assert foi.status == Status.SENT
    assert foi.new_reply_at is None and foi.force_reference == ""
    assert foi.force.email_failing_since is None and foi.force.email_failure == ""
    assert not RequestEvent.objects.filter(
        request=foi, kind=RequestEvent.Kind.EMAIL_RECEIVED
    ).exists()
