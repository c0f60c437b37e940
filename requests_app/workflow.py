"""The request lifecycle: states, outcomes and the one table of legal moves.

Status says where the request is; outcome (set when answered) and review/ICO outcomes say how
it went (Froide's split). Services, forms and templates all read TRANSITIONS; nothing else
decides which move is legal.
"""

from collections.abc import Sequence

from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLARIFICATION_REQUESTED = "clarification_requested", "Clarification requested"
    CLARIFIED = "clarified", "Clarification sent"
    FEES_NOTICE = "fees_notice", "Fees notice"
    FEE_PAID = "fee_paid", "Fee paid"
    PIT_EXTENSION = "pit_extension", "Public interest extension"
    ANSWERED = "answered", "Answered"
    REVIEW_REQUESTED = "review_requested", "Internal review requested"
    REVIEW_ANSWERED = "review_answered", "Internal review answered"
    ICO_COMPLAINT = "ico_complaint", "Complaint to the Commissioner"
    ICO_DECIDED = "ico_decided", "Commissioner's decision"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Outcome(models.TextChoices):
    FULL = "full", "Answered in full"
    PART = "part", "Answered in part"
    NOT_HELD = "not_held", "Information not held"
    REFUSED = "refused", "Refused"


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld (original answer stands)"
    OVERTURNED = "overturned", "Overturned"
    PARTLY = "partly", "Partly overturned"


class CommissionerOutcome(models.TextChoices):
    UPHELD = "upheld", "Complaint upheld"
    PARTLY = "partly", "Complaint partly upheld"
    NOT_UPHELD = "not_upheld", "Complaint not upheld"
    RESOLVED = "resolved", "Resolved informally"


class Action(models.TextChoices):
    """The moves a person (or a bulk action) can make; each is one service."""

    MARK_SENT = "mark_sent", "Mark sent"
    ACKNOWLEDGE = "acknowledge", "Record acknowledgement"
    REQUEST_CLARIFICATION = "request_clarification", "Force asked for clarification"
    SEND_CLARIFICATION = "send_clarification", "Clarification sent"
    FEES_NOTICE = "fees_notice", "Fees notice received"
    FEE_PAID = "fee_paid", "Fee paid"
    PIT_EXTENSION = "pit_extension", "Public interest extension"
    RECORD_RESPONSE = "record_response", "Record response"
    REQUEST_REVIEW = "request_review", "Internal review requested"
    RECORD_REVIEW = "record_review", "Internal review answered"
    COMPLAIN = "complain", "Complaint to the Commissioner"
    RECORD_DECISION = "record_decision", "Commissioner's decision"
    WITHDRAW = "withdraw", "Withdraw"


# States in which the force owes an answer and the s.10 clock (or the PIT estimate) runs.
AWAITING_RESPONSE = frozenset(
    {Status.SENT, Status.ACKNOWLEDGED, Status.CLARIFIED, Status.FEE_PAID, Status.PIT_EXTENSION}
)
# States in which the clock is stopped waiting for the requester.
CLOCK_STOPPED = frozenset({Status.CLARIFICATION_REQUESTED, Status.FEES_NOTICE})
# States after the force has answered (figures may be entered).
ANSWERED_STATES = frozenset(
    {
        Status.ANSWERED,
        Status.REVIEW_REQUESTED,
        Status.REVIEW_ANSWERED,
        Status.ICO_COMPLAINT,
        Status.ICO_DECIDED,
    }
)

_WITHDRAWABLE = AWAITING_RESPONSE | CLOCK_STOPPED | {Status.DRAFT}

# action -> (states it may be taken from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Action.MARK_SENT: (frozenset({Status.DRAFT}), Status.SENT),
    Action.ACKNOWLEDGE: (frozenset({Status.SENT, Status.CLARIFIED}), Status.ACKNOWLEDGED),
    Action.REQUEST_CLARIFICATION: (
        frozenset({Status.SENT, Status.ACKNOWLEDGED, Status.CLARIFIED}),
        Status.CLARIFICATION_REQUESTED,
    ),
    Action.SEND_CLARIFICATION: (frozenset({Status.CLARIFICATION_REQUESTED}), Status.CLARIFIED),
    Action.FEES_NOTICE: (
        frozenset({Status.SENT, Status.ACKNOWLEDGED, Status.CLARIFIED}),
        Status.FEES_NOTICE,
    ),
    Action.FEE_PAID: (frozenset({Status.FEES_NOTICE}), Status.FEE_PAID),
    Action.PIT_EXTENSION: (
        frozenset({Status.SENT, Status.ACKNOWLEDGED, Status.CLARIFIED, Status.FEE_PAID}),
        Status.PIT_EXTENSION,
    ),
    Action.RECORD_RESPONSE: (AWAITING_RESPONSE, Status.ANSWERED),
    Action.REQUEST_REVIEW: (frozenset({Status.ANSWERED}), Status.REVIEW_REQUESTED),
    Action.RECORD_REVIEW: (frozenset({Status.REVIEW_REQUESTED}), Status.REVIEW_ANSWERED),
    # A complaint normally follows the review; a review never answered can be complained about too.
    Action.COMPLAIN: (
        frozenset({Status.REVIEW_ANSWERED, Status.REVIEW_REQUESTED}),
        Status.ICO_COMPLAINT,
    ),
    Action.RECORD_DECISION: (frozenset({Status.ICO_COMPLAINT}), Status.ICO_DECIDED),
    Action.WITHDRAW: (frozenset(_WITHDRAWABLE), Status.WITHDRAWN),
}


def allowed_actions(status: str, law: str) -> list[str]:
    """Actions legal from `status`, in the order the table lists them."""
    actions = [action for action, (sources, _) in TRANSITIONS.items() if status in sources]
    if law == "foisa":
        # FOISA has no public interest extension.
        actions = [a for a in actions if a != Action.PIT_EXTENSION]
    return actions


def refusal_problem(outcome: str, exemptions: Sequence[str]) -> str | None:
    """Why a response cannot be recorded as given, or None. The forms and the service both ask.

    FOIA s.17(1) / FOISA s.16(1): a refusal notice must name the exemption relied on.
    """
    if outcome == Outcome.REFUSED and not exemptions:
        return "A refusal must cite at least one exemption."
    return None


def target_status(action: str) -> str:
    return TRANSITIONS[action][1]


class InvalidTransition(Exception):
    """A move the lifecycle does not allow; the message is fit to show a user."""

    def __init__(self, status: str, action: str, law: str | None = None) -> None:
        self.status, self.action = status, action
        label = Action(action).label if action in Action.values else action
        status_label = Status(status).label if status in Status.values else status
        if action == Action.PIT_EXTENSION and law == "foisa":
            message = "FOISA has no public interest extension; Police Scotland must answer in 20 working days."
        else:
            message = f"Not possible now: '{label}' does not follow '{status_label}'."
        super().__init__(message)
