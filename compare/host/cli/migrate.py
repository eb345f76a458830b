"""``rnncompare migrate CHECKPOINT --out DIR``: inspect, run the model's scenarios in every env, convert for
every Keras env, and write one migration report (``compare.host.checkpoint.migrate.migrate``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from compare.errors import UserError
from compare.host import runner
from compare.host.checkpoint import convert as conversion
from compare.host.checkpoint import migrate
from compare.host.cli.run import Display
from compare.host.report.networks import proof_text

HELP = "a TF1 checkpoint to proven Keras layers and one migration report: inspect, run, convert, report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="checkpoint prefix, or its folder")
    parser.add_argument("--out", required=True, help="new folder for everything the migration writes")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME.OPTION=VALUE",
        dest="sets",
        help="what the checkpoint cannot say, e.g. --set rnn.forget_bias=1.0 (repeatable)",
    )
    parser.add_argument("--envs", help="comma-separated envs to run the scenarios in (default: every env)")
    parser.add_argument(
        "--keras-envs",
        default=",".join(conversion.KERAS_ENVS),
        help="comma-separated Keras envs to convert for (default: %(default)s)",
    )
    parser.add_argument("--seeds", type=int, default=32, help="draws per scenario (default: %(default)s)")
    parser.add_argument("-p", "--parallel", type=int, metavar="N", help="envs at a time (default: by cores, memory)")


def run(args: argparse.Namespace) -> int:
    if args.seeds < 1:
        raise UserError("--seeds must be at least 1", "e.g. --seeds 32")
    envs, keras_envs = runner.parse_envs(args.envs), runner.parse_envs(args.keras_envs)
    migrate.check_inputs(args.checkpoint, Path(args.out), envs, keras_envs)  # before the display
    started = time.time()
    with Display(envs) as display:
        done = migrate.migrate(
            args.checkpoint,
            Path(args.out),
            args.sets,
            envs,
            keras_envs,
            args.seeds,
            args.parallel,
            display,
            notify=lambda line: display.console.print(line),
        )
    for result in done.runs:
        print("{:<14} {}".format(result.env, "ok" if result.status == "ok" else result.reason))
    for name, proofs in done.proofs.items():
        for proof in proofs:
            print(f"{name} {proof.env}: {proof_text(proof)}")
    print("report: {}".format(done.report.get("report.html")))
    print(f"done in {time.time() - started:.0f} s", file=sys.stderr)
    return done.exit_code
