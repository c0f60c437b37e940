"""Reads. totals: national totals of a metric (set-based, constant queries); basis: what a
total counts; breakdown: by category; reasons: why a force has no figure; review: a request's
figures, history, warnings and the review queue. Turning totals into pages, JSON and files is
figures_app/totals_output.py's job."""
