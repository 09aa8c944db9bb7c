"""`make bench`: every figure of the benchmarks in one run, printed as one table and written as JSON.

python -m benchmarks            # the full run (a few minutes)
python -m benchmarks --quick    # tiny sizes, seconds: checks the code, not the figures
python -m benchmarks --only coldstart   # one section; its JSON is written too
python -m benchmarks --only size,warm   # several: a comma-separated list, or --only repeated
"""

import argparse
import contextlib
import os
import sys
from pathlib import Path

from benchmarks.config import FULL, QUICK, set_environment

set_environment()

from benchmarks.report import RESULTS, render, write  # noqa: E402
from benchmarks.runner import SECTIONS, run_all  # noqa: E402


def section_names(value: str) -> list[str]:
    """`--only`'s value: one section or a comma-separated list of them."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section {', '.join(unknown) or value!r}: one of {', '.join(SECTIONS)}"
        )
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check the code runs")
    parser.add_argument("--results", type=Path, default=RESULTS, help="directory of the JSON results")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument(
        "--only",
        action="append",
        type=section_names,
        metavar="SECTION[,SECTION...]",
        help=f"only these sections: {', '.join(SECTIONS)}",
    )
    args = parser.parse_args(argv)
    only = tuple(name for names in args.only or [SECTIONS] for name in names)
    # The functions log and emit EMF metrics on stdout: keep it for the table.
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        rows, document = run_all(QUICK if args.quick else FULL, progress=sys.stderr, only=only)
    print(render(rows))
    if not args.no_write:
        print(f"\nwritten to {write(document, args.results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
