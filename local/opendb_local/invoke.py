"""Run the function once against the local emulator: ``scripts/invoke EVENT.json [--state STATE.json]``.

The emulator serves the state on loopback ports, and the function gets their
URLs in OPENDB_RDS_ENDPOINT and OPENDB_OSS_ENDPOINT, FC_REGION from the state,
and the state's STS credentials in its context. The function's log lines go
to stdout, each emulator request is summarised on stderr, and the last line
on stdout is the handler's result (or FC's error document) as JSON. The exit
status is 1 when the handler raised.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .emulator import Emulator, Faults, StateError
from .fcshim import DEFAULT_ENTRY, RUNTIMES, Credentials, FunctionMeta, Runtime

DEFAULT_STATE = Path(__file__).resolve().parents[1] / "samples" / "state.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/invoke", description=__doc__.splitlines()[0])
    parser.add_argument("event", help="event file, passed to the handler as raw bytes, or - to read stdin")
    parser.add_argument("--state", default=str(DEFAULT_STATE), help=f"emulator state JSON (default: {DEFAULT_STATE})")
    parser.add_argument("--entry", default=str(DEFAULT_ENTRY), help=f"entry module (default: {DEFAULT_ENTRY})")
    parser.add_argument("--runtime", choices=RUNTIMES, default="python3.10", help="context style (default: python3.10)")
    parser.add_argument("--access-key-id", help="STS AccessKey ID from the state (default: the first with a SecurityToken)")
    parser.add_argument("--timeout", type=int, default=60, help="function timeout in seconds (default: 60)")
    parser.add_argument("--faults", default="", help="emulator fault rates, as for python -m opendb_local.emulator")
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the fault generator (default: 0)")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="extra environment variable for the function (repeatable)"
    )
    args = parser.parse_args(argv)

    try:
        event = sys.stdin.buffer.read() if args.event == "-" else Path(args.event).read_bytes()
        emulator = Emulator.from_file(args.state, faults=Faults.from_spec(args.faults, seed=args.fault_seed))
        credentials = _sts_credentials(emulator, args.access_key_id)
        extra = dict(_parse_assignment(item) for item in args.env)
    except (OSError, StateError, ValueError) as error:
        print(f"error: invoke failed before the handler ran: {error}", file=sys.stderr)
        return 2

    with emulator.serve() as endpoints:
        environment = {
            "OPENDB_RDS_ENDPOINT": endpoints.rds_endpoint,
            "OPENDB_OSS_ENDPOINT": endpoints.oss_endpoint,
            "FC_REGION": emulator.state.region,
            # A proxy from the caller's shell must not intercept the loopback emulator.
            "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1", "localhost"])),
            **extra,
        }
        with Runtime(
            args.entry,
            credentials=credentials,
            runtime=args.runtime,
            function=FunctionMeta(timeout=args.timeout),
            region=emulator.state.region,
            account_id=emulator.state.account_id,
            environment=environment,
        ) as runtime:
            invocation = runtime.invoke(event)

    for call in emulator.calls.all():
        outcome = call.code or call.fault or "OK"
        print(f"emulator: {call.service} {call.action} {call.status} {outcome} {call.request_id}", file=sys.stderr)
    sys.stdout.flush()
    print(_json_line(invocation.output()), flush=True)
    return 0 if invocation.ok else 1


def _sts_credentials(emulator: Emulator, access_key_id: str | None) -> Credentials:
    keys = emulator.state.access_keys
    if access_key_id is not None:
        key = keys.get(access_key_id)
        if key is None or not key.is_sts:
            raise ValueError(f"the state has no STS AccessKey {access_key_id!r}; give one with a SecurityToken")
    else:
        key = next((candidate for candidate in keys.values() if candidate.is_sts), None)
        if key is None:
            raise ValueError("the state has no STS AccessKey; add one with a SecurityToken under AccessKeys")
    return Credentials(key.access_key_id, key.secret, key.security_token)


def _parse_assignment(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise ValueError(f"invalid --env {text!r}; expected NAME=VALUE")
    return name, value


def _json_line(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except TypeError as error:
        return json.dumps({"errorMessage": f"the handler's result is not JSON: {error}", "errorType": "TypeError"})


if __name__ == "__main__":
    sys.exit(main())
