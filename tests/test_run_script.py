"""./run.sh takes a port (PORT=8001 ./run.sh) and says which it uses."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_it_refuses_a_port_that_is_not_a_number():
    done = subprocess.run(
        ["bash", str(ROOT / "run.sh")],
        env={"PATH": "/usr/bin:/bin", "PORT": "80a"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "PORT must be a number from 1 to 65535, got '80a'." in done.stderr


def test_it_serves_the_web_process_on_the_port_given():
    procfile = (ROOT / "Procfile").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    assert "127.0.0.1:${PORT:-8000}" in web
    run = (ROOT / "run.sh").read_text()
    assert 'PORT="${PORT:-8000}"' in run
    assert "Open http://127.0.0.1:$PORT (port $PORT" in run
