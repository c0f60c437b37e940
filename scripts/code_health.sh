#!/usr/bin/env bash
# Code health (issue 25), run by .ci/run and `make lint`: no dead code (vulture, settings and
# whitelist in pyproject.toml and vulture_whitelist.py), no function graded worse than D by
# radon's cyclomatic complexity, no Python module over 600 lines. Prints what fails; exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

echo "-- vulture (dead code)"
.venv/bin/vulture || status=1

echo "-- radon (functions graded E or F)"
graded=$(.venv/bin/radon cc --min E --show-complexity accounts requests_app figures_app \
  foi_tracker bench scripts tests)
if [ -n "$graded" ]; then echo "$graded"; status=1; fi

echo "-- modules over 600 lines"
long=$(git ls-files '*.py' | grep -v '/migrations/' | xargs wc -l | awk '$2 != "total" && $1 > 600')
if [ -n "$long" ]; then echo "$long"; status=1; fi

[ "$status" -eq 0 ] && echo "code health: clean"
exit "$status"
