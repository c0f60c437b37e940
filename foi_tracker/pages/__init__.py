"""The pages that show tracking and figures together: each wires a requests_app view with what
figures_app adds to it, so neither app imports the other's pages (requests_app knows no
figures). Access is checked by the requests_app view each one calls."""
