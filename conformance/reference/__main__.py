"""Command line of the reference backend: `python -m conformance.reference --port 8080`."""

from __future__ import annotations

import argparse
import logging
import sys

from conformance.reference.server import ListenError, add_arguments, serve, settings_from_args
from conformance.reference.settings import SettingsError


def main(argv: list[str] | None = None) -> int:
    """Parse options, set up logging and serve until interrupted. Return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m conformance.reference",
        description="Serve the reference access/refresh-token backend over HTTP.",
    )
    add_arguments(parser)
    parser.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        default="INFO",
        help="Set the minimum level of log messages (default: %(default)s).",
    )
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    try:
        settings = settings_from_args(args)
    except SettingsError as error:
        parser.error(str(error))

    try:
        serve(settings, args.host, args.port)
    except ListenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # uvicorn raises SIGINT again after its graceful shutdown. 130 is 128 + SIGINT.
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
