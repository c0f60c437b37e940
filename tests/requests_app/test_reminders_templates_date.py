"""Chasers write the date a request was sent as "3 December 2026", worked out once per date for
a run's thousands of emails (selectors.reminders.date_words)."""

from datetime import date

from requests_app.selectors.reminders import date_words


def test_the_sending_date_is_written_as_the_templates_wrote_it():
    assert date_words(date(2026, 12, 3)) == "3 December 2026"
    assert date_words(date(2017, 6, 1)) == "1 June 2017"
    assert date_words(None) == ""
