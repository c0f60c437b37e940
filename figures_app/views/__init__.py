"""Figures pages, one module per area: a request's figures (grid, one figure), review, totals
(page, API, CSV), import and export, metrics. Each view loads with a role check
(requests_app.access), parses the request, calls one service or selector, and renders."""
