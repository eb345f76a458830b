"""``rnncompare VERB ...``: one module per verb, each with ``HELP``, ``add_arguments`` and ``run``.

Every verb raises :class:`compare.errors.UserError` for bad input; ``main`` prints it as one
line and exits 2 (the traceback only with ``--debug``).

Side: host (current Python; may use scipy, matplotlib, rich; never TensorFlow).
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

from compare import __version__
from compare.errors import ArgumentParser, UserError

VERBS = {
    "validate": "compare.cli.validate",
    "diff": "compare.cli.diff",
    "port": "compare.cli.port",
    "convert": "compare.cli.convert",
    "report": "compare.cli.report",
    "run": "compare.cli.run",
}


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="rnncompare", description="How TF1 and Keras initialize equivalent "
                                     "GRU/LSTM layers, measured in real TensorFlow.")
    parser.add_argument("--version", action="version", version="rnncompare " + __version__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    for name, module_name in VERBS.items():
        module = importlib.import_module(module_name)
        sub = verbs.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except UserError as exc:
        if args.debug:
            raise
        print(exc.one_line(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("error: interrupted (hint: every file is written atomically: what was written is whole, "
              "the rest untouched)", file=sys.stderr)
        return 130
