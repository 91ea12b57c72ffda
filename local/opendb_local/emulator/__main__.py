"""Serve the emulator in the foreground: ``python -m opendb_local.emulator --state FILE``.

Prints the endpoints as one JSON line on stdout once both ports listen, then
serves until interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .faults import FAULT_KINDS, Faults
from .server import Emulator
from .state import StateError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m opendb_local.emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--state", required=True, help="state JSON file (format: the opendb_local.emulator docstring)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port-rds", type=int, default=0, help="RDS port (default: 0, a free port)")
    parser.add_argument("--port-oss", type=int, default=0, help="OSS port (default: 0, a free port)")
    parser.add_argument(
        "--faults",
        default="",
        help=f"fault rates as NAME=RATE,... with NAME one of {', '.join(FAULT_KINDS)}; also delay_seconds=N",
    )
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the fault generator (default: 0)")
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    args = parser.parse_args(argv)

    try:
        emulator = Emulator.from_file(args.state, faults=Faults.from_spec(args.faults, seed=args.fault_seed))
    except (OSError, StateError, ValueError) as error:
        print(f"error: cannot start the emulator: {error}", file=sys.stderr)
        return 2

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    with emulator.serve(args.host, rds_port=args.port_rds, oss_port=args.port_oss, quiet=not args.verbose) as endpoints:
        print(json.dumps({"rds_endpoint": endpoints.rds_endpoint, "oss_endpoint": endpoints.oss_endpoint}), flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
