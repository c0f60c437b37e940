"""The child process the tracker runs on arrival: `python -m requests_app.screening NAME`
reads the file on standard input and prints one JSON object per finding."""

from __future__ import annotations

import argparse
import json
import resource
import sys

from requests_app.screening import Limits, screen_bytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m requests_app.screening")
    parser.add_argument("name", help="the file's name (its extension is a hint)")
    parser.add_argument("--seconds", type=float, default=25.0)
    parser.add_argument("--max-file-mb", type=int, default=64)
    parser.add_argument("--max-unpacked-mb", type=int, default=400)
    parser.add_argument("--memory-mb", type=int, default=0, help="address-space limit (0: none)")
    parser.add_argument("--cpu-seconds", type=int, default=0, help="CPU-time limit (0: none)")
    args = parser.parse_args(argv)
    # Set here rather than between fork and exec (preexec_fn), which is unsafe in a parent
    # process that runs threads (a threaded web server).
    if args.memory_mb:
        memory = args.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if args.cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (args.cpu_seconds, args.cpu_seconds + 1))
    limits = Limits(
        seconds=args.seconds,
        max_file_bytes=args.max_file_mb * 1024 * 1024,
        max_unpacked_bytes=args.max_unpacked_mb * 1024 * 1024,
    )
    # One byte past the limit is enough to say the file is too big.
    data = sys.stdin.buffer.read(limits.max_file_bytes + 1)
    for item in screen_bytes(args.name, data, limits):
        sys.stdout.write(json.dumps(item.as_dict()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
