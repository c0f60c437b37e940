"""Names vulture cannot see used (pyproject.toml [tool.vulture]). Each line says who reads it.

Not imported by anything: vulture reads it as if it were code that uses these names.
"""
# ruff: noqa: F821, B018

# Read by name from settings: error handlers (foi_tracker/urls.py handler404...), the axes
# lockout callable (AXES_LOCKOUT_CALLABLE), context processors (TEMPLATES).
bad_request, permission_denied, page_not_found, server_error
locked_out, original_response
nav
ROOT_URLCONF  # bench/loadsite/settings.py, read by Django
# The local quarantine storage, named in STORAGES (settings.py); Django reads base_location.
QuarantineFolder, _.base_location

# Read by templates (Django's template language is not Python).
_.answered_pct, _.n_more, _.n_long_overdue, _.rows_html, _.mailto, _.withdrawn
_.figures_using, _.new_field, _.clock_started_on, _.fee_lapses_on, _.is_staff, _.value_text
_.placed_by, _.placed_at, _.body_html, _.reviewed_at, _.updated_by, _.updated_at
_.applied_at, _.progress_at, _.last_failure_at, _.confirmed
_.nothing_new, _.first_on, _.last_on, _.left_to_send, _.outside, _.duplicates

# The bodies import page's form fields, read from cleaned_data by name (forms_bodies.py).
name_column, code_column, nation_column, email_column, aliases_column, check_only

# A stored column read only by the ORM in filters (next_long_overdue_on__lt).
_.next_long_overdue_on

# Read by libraries: openpyxl cell and sheet attributes, expat parser settings, form widgets,
# django-filter's `method=` (a string), a formset's errors.
_.data_type, _.quotePrefix, _.number_format, _.freeze_panes, _.sheet_state
_.buffer_text, _.buffer_size, _.disabled, _.filter_state, _._non_form_errors

# Counters filled from a SQL row by name (selectors/totals.py) and bounds the series tests read.
_.not_held, _.refused, _.not_provided, _.from_upper, _.to_upper

# Choices stored in the database (requests_app/workflow.py ReviewOutcome).
NOT_UPHELD, RESOLVED

# Rules stated once in Python for the tests to check the fast paths against.
chaser_dates, due_date, installed, clear_cache

# psycopg and sqlite3 read them: autocommit on the bench's plain connection (bench/counting.py).
_.isolation_level, _.autocommit
