"""``rnncompare VERB ...``: one module per verb, each with ``HELP``, ``add_arguments`` and ``run``.

Every verb raises :class:`compare.errors.UserError` for bad input; ``main`` prints it as one
line and exits 2 (the traceback only with ``--debug``). A host library that is not installed (the package
installed on a Python older than its floors, or a broken venv) and any unexpected failure are one line
too: no verb shows a traceback without ``--debug``. A new verb is one entry in ``VERBS``.
"""

# No `from __future__ import annotations` here: on Python 3.6 (a TF env where the package is installed as
# the worker) that line would be a SyntaxError before main could say, in one line, what to do instead.
import argparse
import importlib
import signal
import sys
from typing import List, Optional

from compare import __version__
from compare.errors import ArgumentParser, UserError

VERBS = {
    "validate": "compare.host.cli.validate",
    "diff": "compare.host.cli.diff",
    "inspect": "compare.host.cli.inspect",
    "migrate": "compare.host.cli.migrate",
    "port": "compare.host.cli.port",
    "convert": "compare.host.cli.convert",
    "report": "compare.host.cli.report",
    "run": "compare.host.cli.run",
    "envs": "compare.host.cli.envs",
    "impact": "compare.host.cli.impact",
}
# The host libraries the verbs import, and the requirement that installs each (pyproject.toml's core).
HOST_REQUIREMENTS = {
    "scipy": "scipy>=1.10",
    "rich": "rich>=13",
    "tox": "tox>=4.20",
    "tox_uv": "tox-uv>=1.20",
    "platformdirs": "platformdirs>=3",
    "tomli_w": "tomli-w>=1.0",
    "filelock": "filelock>=3.12",
}


def missing_library(exc: ImportError) -> Optional[UserError]:
    """The one-line diagnosis of a host library that is not installed, or None for any other import error."""
    name = (getattr(exc, "name", None) or "").split(".")[0]
    if name not in HOST_REQUIREMENTS:
        return None
    return UserError(
        "this verb needs {}, which is not installed for {} (Python {})".format(
            name, sys.executable, ".".join(map(str, sys.version_info[:2]))
        ),
        f"pip install '{HOST_REQUIREMENTS[name]}' (rnncompare's host verbs need Python >= 3.8)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="rnncompare",
        description="How TF1 and Keras initialize equivalent GRU/LSTM layers, measured in real TensorFlow.",
    )
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


HOST_PYTHON = (3, 8)  # the floors of scipy and tox (pyproject.toml's markers)


def main(argv: Optional[List[str]] = None) -> int:
    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    if tuple(sys.version_info[:2]) < HOST_PYTHON:
        print(
            UserError(
                "the rnncompare command needs Python >= {}.{}; this is {}".format(
                    HOST_PYTHON[0], HOST_PYTHON[1], ".".join(map(str, sys.version_info[:3]))
                ),
                "in a TF env on an older Python the package is the worker: python -m backends.worker",
            ).one_line(),
            file=sys.stderr,
        )
        return 2
    # SIGTERM (a CI runner's cancel, kill) ends a verb as Ctrl-C does: its temporary files removed, its
    # children stopped (compare.host.children), what finished printed, exit code 130.
    previous = _on_sigterm(_terminate)
    _heed_sigint()
    try:
        args = build_parser().parse_args(argv)
        return int(args.run(args))
    except UserError as exc:
        if debug:
            raise
        print(exc.one_line(), file=sys.stderr)
        return 2
    except ImportError as exc:
        if debug:
            raise
        diagnosis = missing_library(exc) or UserError(
            "cannot import {}: {}".format(exc.name or "a module", exc),
            "reinstall rnncompare; --debug shows the traceback",
        )
        print(diagnosis.one_line(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if debug:
            raise
        print(
            "error: interrupted (hint: every file is written atomically: what was written is whole, "
            "the rest untouched)",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:  # noqa: BLE001 - the last resort: one line, the traceback only with --debug
        if debug:
            raise
        print(
            UserError(
                f"unexpected {type(exc).__name__}: {exc}", "re-run with --debug for the traceback, and report it"
            ).one_line(),
            file=sys.stderr,
        )
        return 1
    finally:
        if previous is not None:
            _on_sigterm(previous)


def _terminate(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _heed_sigint() -> None:
    """Ctrl-C stops a verb cleanly even where rnncompare was started with SIGINT ignored (a shell without job
    control starts background commands so, and Python then keeps it ignored)."""
    try:
        if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # off the main thread: Python allows no handler there
        pass


def _on_sigterm(handler: object) -> object:
    """Install ``handler`` for SIGTERM and return the previous one (None off the main thread, where Python
    allows no handler: a verb called from a thread keeps the default)."""
    try:
        return signal.signal(signal.SIGTERM, handler)  # type: ignore[arg-type]
    except ValueError:
        return None
