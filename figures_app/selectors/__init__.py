"""Reads. headline: the headline-figure rule and the numbers every total is made of; totals:
national totals of a metric (set-based, constant queries); series: a metric over a series'
campaigns; basis: what a total counts; breakdown: by category; reasons: why a force has no
figure; review: a request's figures, history, warnings and the review queue; releases and
release_data: the payload a release freezes. Turning totals into JSON and files is
figures_app/totals_output.py's job, into pages views/totals_presentation.py's."""
