"""Load test: the dashboard and a campaign page under N concurrent connections, beside a bare
Django view served by the same gunicorn in the same run.

    .venv/bin/python bench/bench_load.py                          # demo data, fresh SQLite in a temp dir
    .venv/bin/python bench/bench_load.py --seed 5 --seconds 20    # plus 5 seed_demo campaigns
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_load.py --use-database-url

It sets up a site (migrate, load_demo, optional seed_demo, collectstatic) under a temporary
FOI_DATA_DIR, unless --use-database-url (then that database as it is; a demo is loaded only if
it has no campaign), starts gunicorn with production settings (DEBUG=false, behind a pretend TLS
proxy), signs in as a staff user by creating a session in the database (as the test client's
force_login does: the login form, its throttle and two-factor step are not what is measured),
and drives each page in turn with --connections clients for --seconds each. Prints requests/s,
errors and p50/p90/p99 latency per page and the ratios to the bare view. The client is plain
asyncio (no dependency); each request is a new connection, as gunicorn's sync workers close
every connection after its response.

Exits 1 when any request failed (a status other than 200, a reset or a timeout).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

SESSION_FOR = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from requests_app.models import Campaign
from django.db.models import Count
user = get_user_model().objects.get(username=%r)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
# Past the second factor when the user has one (reviewers must), as django_otp.login leaves it.
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
if device:
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.create()
campaign = Campaign.objects.annotate(n=Count("requests")).order_by("-n", "slug").first()
print(json.dumps({"session": session.session_key, "campaign": campaign.slug if campaign else None,
                  "campaigns": Campaign.objects.count()}))
"""


@dataclass
class Result:
    name: str
    path: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; (status, connection reusable)."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed before a response")
    status = int(status_line.split()[1])
    length, chunked, keep = None, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            keep = False
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
        keep = False
    return status, keep


async def client(port: int, request: bytes, stop_at: float, result: Result, timeout: float):
    reader = writer = None
    loop = asyncio.get_running_loop()
    while loop.time() < stop_at:
        started = loop.time()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(HOST, port), timeout
                )
            writer.write(request)
            await writer.drain()
            status, keep = await asyncio.wait_for(read_response(reader), timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            result.error(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        result.latencies.append(loop.time() - started)
        if status != 200:
            result.error(f"HTTP {status}")
        if not keep:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def drive(port: int, path: str, cookie: str, connections: int, seconds: float, timeout):
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: {cookie}\r\n"
        "X-Forwarded-Proto: https\r\nAccept: text/html\r\n\r\n"
    ).encode()
    result = Result(name="", path=path)
    loop = asyncio.get_running_loop()
    started = loop.time()
    stop_at = started + seconds
    await asyncio.gather(
        *(client(port, request, stop_at, result, timeout) for _ in range(connections))
    )
    result.seconds = loop.time() - started
    return result


def run(cmd: list[str], env: dict) -> str:
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def site_env(data: Path, *, use_database_url: bool) -> dict:
    """The environment of the site under load: production settings plus the bare view."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "loadsite.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        "FOI_DATA_DIR": str(data),
        "DEBUG": "false",
        "SECRET_KEY": "bench-load-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": HOST,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("MEDIA_ROOT", None)
    env.pop("STATIC_ROOT", None)
    if not use_database_url:
        env.pop("DATABASE_URL", None)
    return env


def start_gunicorn(env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    """gunicorn serving the site on a free port, once it accepts connections."""
    port = free_port()
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "foi_tracker.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--backlog",
            "2048",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return gunicorn, port
        except OSError:
            if time.monotonic() > deadline or gunicorn.poll() is not None:
                stop_gunicorn(gunicorn)
                sys.exit("gunicorn did not start")
            time.sleep(0.2)


def stop_gunicorn(gunicorn: subprocess.Popen | None) -> None:
    if gunicorn and gunicorn.poll() is None:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()


def load_pages(
    port: int,
    cookie: str,
    pages: list[tuple[str, str]],
    *,
    connections: int,
    seconds: float,
    warmup: float,
    timeout: float,
) -> list[Result]:
    """Drive each (name, path) in turn: `warmup` seconds not counted, then `seconds` counted."""
    results = []
    for name, path in pages:
        if warmup:
            asyncio.run(drive(port, path, cookie, connections, warmup, timeout))
        result = asyncio.run(drive(port, path, cookie, connections, seconds, timeout))
        result.name = name
        results.append(result)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15, help="Per page.")
    parser.add_argument("--warmup", type=float, default=2, help="Seconds per page, not counted.")
    parser.add_argument(
        "--workers", type=int, default=3, help="gunicorn workers (docs/benchmarks.md: 3)."
    )
    parser.add_argument("--seed", type=int, default=0, help="Add N seed_demo campaigns.")
    parser.add_argument(
        "--campaign",
        default="",
        help="Slug of the campaign page to load (default: the one with the most requests).",
    )
    parser.add_argument("--user", default="sam", help="Staff user to sign in as (demo: sam).")
    parser.add_argument("--timeout", type=float, default=30, help="Per request, seconds.")
    parser.add_argument("--use-database-url", action="store_true")
    args = parser.parse_args()

    python = sys.executable
    data = Path(tempfile.mkdtemp(prefix="foi-load-"))
    env = site_env(data, use_database_url=args.use_database_url)
    manage = [python, "manage.py"]
    gunicorn = None
    try:
        run([*manage, "migrate", "--noinput", "-v0"], env)
        check = run(
            [
                *manage,
                "shell",
                "-c",
                "from requests_app.models import Campaign; print(Campaign.objects.count())",
            ],
            env,
        )
        if not args.use_database_url or int(check.split()[-1]) == 0:
            # load_demo refuses to run with DEBUG off (it publishes an admin password); the site
            # under load still runs with DEBUG off.
            run([*manage, "load_demo"], {**env, "DEBUG": "true"})
        if args.seed:
            run([*manage, "seed_demo", "--scale", str(args.seed)], env)
        run([*manage, "collectstatic", "--noinput", "-v0"], env)
        info = json.loads(
            run([*manage, "shell", "-c", SESSION_FOR % args.user], env).splitlines()[-1]
        )
        if args.campaign:
            info["campaign"] = args.campaign
        if not info["campaign"]:
            sys.exit("No campaign to load.")
        cookie = f"sessionid={info['session']}"

        gunicorn, port = start_gunicorn(env, args.workers)

        pages = [
            ("bare Django view", "/bench/bare/"),
            ("dashboard", "/"),
            (f"campaign {info['campaign']}", f"/campaigns/{info['campaign']}/"),
        ]
        db = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite"
        print(
            f"{db}, {info['campaigns']} campaigns, gunicorn {args.workers} sync workers, "
            f"{args.connections} connections, {args.seconds:g} s per page (after {args.warmup:g} s warm-up)"
        )
        results = load_pages(
            port,
            cookie,
            pages,
            connections=args.connections,
            seconds=args.seconds,
            warmup=args.warmup,
            timeout=args.timeout,
        )

        base = results[0]
        header = f"{'page':<32} {'req/s':>8} {'errors':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'x bare req/s':>13} {'x bare p50':>11}"
        print(header)
        print("-" * len(header))
        for r in results:
            errors = sum(r.errors.values())
            print(
                f"{r.name[:32]:<32} {r.rate:>8.1f} {errors:>7} {r.percentile(50):>8.0f} "
                f"{r.percentile(90):>8.0f} {r.percentile(99):>8.0f} "
                f"{r.rate / base.rate if base.rate else float('nan'):>13.3f} "
                f"{r.percentile(50) / base.percentile(50):>11.1f}"
            )
            if r.errors:
                print(f"    errors: {r.errors}")
        slow = [r.name for r in results if r.percentile(99) > 2000]
        if slow:
            print(f"p99 over 2 s: {', '.join(slow)}")
        return 1 if any(r.errors for r in results) else 0
    finally:
        stop_gunicorn(gunicorn)
        shutil.rmtree(data, ignore_errors=True)  # with --use-database-url: static files only


if __name__ == "__main__":
    sys.exit(main())
