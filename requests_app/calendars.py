"""Working calendars with the hand-added non-working days from the database."""

from requests_app.deadlines import FOIA, FOISA, WorkingCalendar
from requests_app.models import NonWorkingDay


def calendars() -> dict[str, WorkingCalendar]:
    """One calendar per law, built with a single query."""
    extra: dict[str, dict] = {FOIA: {}, FOISA: {}}
    for day in NonWorkingDay.objects.all():
        for law in (FOIA, FOISA) if day.applies_to == "all" else (day.applies_to,):
            extra[law][day.date] = day.description
    return {law: WorkingCalendar(law, days) for law, days in extra.items()}


def calendar_for(law: str) -> WorkingCalendar:
    return calendars()[law]
