"""The `jwt-conformance` command: run the checks, list them, list profiles, serve the reference.

Exit codes of `run`: 0 when every MUST check passes, 1 when a MUST check fails (or a SHOULD check
under --strict), 2 on a usage or harness error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from conformance import __version__, registry
from conformance.clocks import CLOCK_NAMES, DEFAULT_MAX_WAIT
from conformance.gate import GateError
from conformance.managed_target import DEFAULT_READY_TIMEOUT
from conformance.profile_loader import ProfileError, builtin_names, load_profile
from conformance.results import EXIT_ERROR
from conformance.run_options import DEFAULT_CONCURRENCY, DEFAULT_FUZZ_EXAMPLES, DEFAULT_TIMEOUT
from conformance.runner import run_checks
from conformance.target import TargetError

log = logging.getLogger("conformance")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jwt-conformance",
        description="Check that an access/refresh-token authentication API works the way its "
                    "clients need.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the conformance checks against a backend")
    target = run.add_mutually_exclusive_group()
    target.add_argument("--target", metavar="URL",
                        help="base URL of a running backend, e.g. http://127.0.0.1:8080")
    target.add_argument("--app", metavar="MODULE:ATTR",
                        help="ASGI or WSGI application to check in process, e.g. myapi.main:app")
    run.add_argument("--profile", metavar="NAME-OR-FILE", default="reference",
                     help="built-in profile name or path of a profile TOML file "
                          "(default: reference)")
    run.add_argument("--report-dir", metavar="DIR", type=Path, default=Path("reports"),
                     help="folder that receives the run's <run-id>/ report folder "
                          "(default: ./reports)")
    run.add_argument("--timeout", metavar="SECONDS", type=float, default=DEFAULT_TIMEOUT,
                     help=f"seconds to wait for each response of the backend "
                          f"(default: {DEFAULT_TIMEOUT:g})")
    run.add_argument("--strict", action="store_true",
                     help="fail the run when a SHOULD check is not met")
    run.add_argument("--target-cmd", metavar="CMD",
                     help="command that starts the backend, e.g. \"node server.js\"; the suite "
                          "runs it under libfaketime (unless --clock picks another clock) and "
                          "stops it at the end")
    run.add_argument("--ready-url", metavar="URL",
                     help="URL that returns 2xx once the --target-cmd backend runs; its scheme "
                          "and host are the base URL unless --target is given")
    run.add_argument("--ready-timeout", metavar="SECONDS", type=float,
                     default=DEFAULT_READY_TIMEOUT,
                     help="seconds to wait for --ready-url to return 2xx "
                          f"(default: {DEFAULT_READY_TIMEOUT:g})")
    run.add_argument("--clock", choices=CLOCK_NAMES,
                     help="how checks move the backend's clock (default: the most exact one "
                          "the target allows)")
    run.add_argument("--max-wait", metavar="SECONDS", type=float, default=DEFAULT_MAX_WAIT,
                     help="seconds of real time the wait clock may sleep in one check; checks "
                          f"that need more are skipped (default: {DEFAULT_MAX_WAIT:g})")
    run.add_argument("--fuzz-examples", metavar="N", type=int, default=DEFAULT_FUZZ_EXAMPLES,
                     help="generated requests per auth operation in each Hypothesis-driven "
                          f"input check (default: {DEFAULT_FUZZ_EXAMPLES})")
    run.add_argument("--concurrency", metavar="N", type=int, default=DEFAULT_CONCURRENCY,
                     help="requests fired together in each concurrency check "
                          f"(default: {DEFAULT_CONCURRENCY})")
    run.add_argument("--select", metavar="ID-OR-PREFIX", action="append", default=[],
                     help="run only the checks whose id starts with this prefix, e.g. access or "
                          "access.bad-signature-rejected; repeat to select several")
    run.add_argument("--deselect", metavar="ID-OR-PREFIX", action="append", default=[],
                     help="leave out the checks whose id starts with this prefix; repeatable")
    run.add_argument("--baseline", metavar="FILE", type=Path,
                     help="TOML or JSON file of known failures, each a check id with a reason: "
                          "the run passes while exactly these checks fail, and fails when an "
                          "entry passes, is skipped or no longer exists")
    run.add_argument("-k", metavar="EXPRESSION", dest="keyword",
                     help="run only the checks whose test names match this pytest -k expression")
    run.add_argument("-x", "--exitfirst", action="store_true",
                     help="stop at the first check that does not pass")
    run.add_argument("-v", "--verbose", action="count", default=0,
                     help="log more: -v for each step, -vv for every exchange")
    run.add_argument("pytest_args", nargs="*", metavar="PYTEST-ARG",
                     help="further pytest options, after `--`")

    checks = commands.add_parser("checks", help="list the checks with their ids and levels")
    checks.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")

    profiles = commands.add_parser("profiles", help="list the built-in profiles")
    profiles.add_argument("--validate", metavar="NAME-OR-FILE",
                          help="validate a profile file, or a built-in by name, and report "
                               "its invalid fields")

    openapi = commands.add_parser("openapi",
                                  help="print the OpenAPI 3.1 document of a profile's API as JSON")
    openapi.add_argument("--profile", metavar="NAME-OR-FILE", default="reference",
                         help="built-in profile name or path of a profile TOML file "
                              "(default: reference)")

    compare = commands.add_parser(
        "compare", help="show several runs side by side as a table of checks by backend")
    from conformance.report.compare_cli import add_compare_arguments

    add_compare_arguments(compare)

    serve = commands.add_parser("serve-reference",
                                help="serve the reference backend over HTTP with uvicorn")
    from conformance.reference.server import add_arguments

    add_arguments(serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except BrokenPipeError:
        # The reader of the output went away (for example `| head`); that is not an error.
        sys.stderr.close()
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "checks":
        return list_checks(args.format)
    if args.command == "profiles":
        return list_profiles(args.validate)
    if args.command == "serve-reference":
        return serve_reference(args)
    if args.command == "compare":
        from conformance.report.compare_cli import compare_runs

        return compare_runs(args)
    if args.command == "openapi":
        return print_openapi(args.profile)
    return run(args)


def run(args: argparse.Namespace) -> int:
    _configure_logging(args.verbose)
    try:
        outcome = run_checks(
            target=args.target,
            app=args.app,
            profile=args.profile,
            report_dir=args.report_dir,
            timeout=args.timeout,
            strict=args.strict,
            keyword=args.keyword,
            exitfirst=args.exitfirst,
            extra_args=args.pytest_args,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
            clock=args.clock,
            max_wait=args.max_wait,
            target_cmd=args.target_cmd,
            ready_url=args.ready_url,
            ready_timeout=args.ready_timeout,
            fuzz_examples=args.fuzz_examples,
            concurrency=args.concurrency,
            select=args.select,
            deselect=args.deselect,
            baseline=args.baseline,
        )
    except (ProfileError, TargetError, GateError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(outcome.summary_text)
    return outcome.exit_code


def print_openapi(profile_name: str) -> int:
    from conformance.openapi import build_document

    try:
        document = build_document(load_profile(profile_name))
    except (ProfileError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(json.dumps(document, indent=2))
    return 0


def list_checks(output_format: str) -> int:
    checks = list(registry.all_checks())
    if output_format == "json":
        rows = [
            {"id": c.id, "level": c.level.value, "reference": c.reference,
             "stimulus": c.stimulus, "requirement": c.requirement}
            for c in checks
        ]
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(c.id) for c in checks)
    for check in checks:
        print(f"{check.id:<{width}}  {check.level.value:<6}  {check.reference}")
        print(textwrap.fill(check.requirement, width=100, initial_indent=" " * (width + 2),
                            subsequent_indent=" " * (width + 2)))
    print(f"\n{len(checks)} checks")
    return 0


def list_profiles(validate: str | None) -> int:
    if validate is not None:
        try:
            profile = load_profile(validate)
        except ProfileError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_ERROR
        print(f"{validate}: valid profile {profile.name!r}")
        return 0
    for name in builtin_names():
        print(f"{name:<20} {load_profile(name).description}")
    return 0


def serve_reference(args: argparse.Namespace) -> int:
    from conformance.reference.server import ListenError, serve, settings_from_args

    _configure_logging(1)
    try:
        settings = settings_from_args(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    try:
        serve(settings, args.host, args.port)
    except ListenError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return 0


def _configure_logging(verbosity: int) -> None:
    if verbosity <= 0:
        level = logging.WARNING
    elif verbosity == 1:
        level = logging.INFO
    else:
        level = logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
