"""The direction of the arrows inside requests_app: reads never import writes."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "requests_app"
# Modules that only read; none of them may reach a service (a read importing a write).
READS = [
    *sorted(path.relative_to(APP).as_posix() for path in (APP / "selectors").glob("*.py")),
    "deadlines.py",
    "calendars.py",
    "exemptions.py",
]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("module", READS)
def test_it_keeps_reads_apart_from_services(module):
    services = sorted(
        name for name in imported_modules(APP / module) if name.startswith("requests_app.services")
    )
    assert not services, f"requests_app/{module} imports {services}"
