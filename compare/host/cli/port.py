"""``rnncompare port SOURCE.json:ROUTE TARGET.json:ROUTE --out WEIGHTS.npz``: ``compare.core.port.port_files``.

Takes the first-seed weights of one route of an artifact and rewrites them for another route
(the target artifact supplies the built config: reset_after, activations, forget_bias).
Scenarios that cannot be ported exactly are listed with the reason and left out; the exit
code is 1 when any was left out. The ``.npz`` loads into the target env with
``python -m backends.worker --weights WEIGHTS.npz`` (or ``tox -e ENV -- --weights ...``).
"""

from __future__ import annotations

import argparse

from compare.core.port import port_files

HELP = "port first-seed weights from one artifact's route to another's layout, exactly or not at all"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="SOURCE.json:ROUTE (route tf1, keras or recipe)")
    parser.add_argument("target", help="TARGET.json:ROUTE whose built config the weights must fit")
    parser.add_argument("--out", required=True, help="the .npz to write")
    parser.add_argument("--scenario", action="append", help="port only this scenario (repeatable)")


def run(args: argparse.Namespace) -> int:
    outcome = port_files(args.source, args.target, args.out, args.scenario)
    for item in outcome:
        print(
            "{}: {}".format(
                item.scenario, "not ported: " + item.refused if item.refused else f"ported {item.variables} variables"
            )
        )
    done = sum(1 for item in outcome if not item.refused)
    print(f"wrote {args.out} ({done} of {len(outcome)} scenarios)")
    return 0 if done == len(outcome) else 1
