"""Print a realistic trigger event for one of the forms that opendb accepts.

Run through ``scripts/generate-event``. The output goes to stdout, ready
for ``--event-file`` style tools or for piping into the local FC shim.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Sequence

from . import samples

FORMS = (
    "oss",
    "oss-eventbridge",
    "mns-topic-json",
    "mns-topic-stream",
    "mns-queue",
    "oss-via-mns",
    "direct",
)


def _pair(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise argparse.ArgumentTypeError(f"invalid NAME=VALUE pair {text!r}: expected a name, '=' and a value")
    return name, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="generate-event",
        description="Print a realistic Function Compute trigger event for opendb.",
    )
    parser.add_argument("source", choices=FORMS, help="trigger form of the event")

    parser.add_argument("--bucket", default=samples.BUCKET, help=f"OSS bucket name (default {samples.BUCKET})")
    parser.add_argument("--key", default=samples.KEY, help=f"OSS object key, sent as is (default {samples.KEY})")
    parser.add_argument(
        "--event-name",
        default=samples.EVENT_NAME,
        help=f"OSS event name without the oss: prefix (default {samples.EVENT_NAME})",
    )
    parser.add_argument(
        "--meta",
        action="append",
        type=_pair,
        default=[],
        metavar="NAME=VALUE",
        help="user metadata carried in the OSS record as objectMeta.userMeta x-oss-meta-NAME; repeatable",
    )

    parser.add_argument(
        "--param",
        action="append",
        type=_pair,
        default=[],
        metavar="NAME=VALUE",
        help="API parameter of a direct or MNS open request, replacing the default value; repeatable",
    )
    parser.add_argument(
        "--no-default-params",
        action="store_true",
        help="start the open request from no parameters instead of the demo values",
    )

    parser.add_argument(
        "--attr",
        action="append",
        type=_pair,
        default=[],
        metavar="NAME=VALUE",
        help="MNS message attribute (mns-topic-json and mns-topic-stream); repeatable",
    )
    parser.add_argument(
        "--body",
        choices=("request", "oss"),
        default="request",
        help="what an MNS message carries: an open request, or an OSS event notification (default request)",
    )
    parser.add_argument(
        "--encoding",
        choices=("plain", "base64"),
        help="encoding of an open request in an MNS body (default plain for mns-topic-json, base64 otherwise)",
    )
    parser.add_argument("--count", type=int, default=1, help="number of messages in an mns-queue batch (default 1)")

    parser.add_argument("--compact", action="store_true", help="print JSON on one line")
    return parser


def _parameters(args: argparse.Namespace) -> dict[str, str]:
    parameters = {} if args.no_default_params else dict(samples.REQUEST_PARAMETERS)
    parameters.update(dict(args.param))
    return parameters


def _record_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "bucket": args.bucket,
        "key": args.key,
        "event_name": args.event_name,
        "meta": dict(args.meta) if args.meta else None,
    }


def _message_body(args: argparse.Namespace, carries_oss: bool, default_encoding: str) -> str:
    if carries_oss:
        return samples.oss_notification_body(**_record_options(args))
    encoding = args.encoding or default_encoding
    text = json.dumps(_parameters(args))
    if encoding == "base64":
        return samples.encode_base64(text)
    return text


def build_event(args: argparse.Namespace) -> Any:
    """Build the event that the parsed command line describes."""
    attributes = dict(args.attr)
    carries_oss = args.body == "oss" or args.source == "oss-via-mns"

    if args.source == "oss":
        return samples.oss_event(**_record_options(args))
    if args.source == "oss-eventbridge":
        return samples.oss_eventbridge_event(**_record_options(args))
    if args.source == "direct":
        return _parameters(args)
    if args.source in ("mns-topic-json", "oss-via-mns"):
        return samples.mns_topic_json(_message_body(args, carries_oss, "plain"), attributes=attributes)
    if args.source == "mns-topic-stream":
        # A plain JSON request as a whole STREAM payload reads as a direct
        # invocation, so the default Base64-encodes it like an MNS body.
        return samples.mns_topic_stream(_message_body(args, carries_oss, "base64"), attributes=attributes)

    bodies = [_message_body(args, carries_oss, "base64") for _ in range(args.count)]
    return samples.mns_queue_batch(bodies)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error(f"--count must be at least 1, got {args.count}")

    event = build_event(args)
    if isinstance(event, str):
        # A STREAM-format body without attributes is the message text itself.
        sys.stdout.write(event + "\n")
    else:
        indent = None if args.compact else 2
        sys.stdout.write(json.dumps(event, indent=indent, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
