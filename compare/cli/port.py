"""``rnncompare port SOURCE.json:ROUTE TARGET.json:ROUTE --out WEIGHTS.npz``.

Takes the first-seed weights of one route of an artifact and rewrites them for another route
(the target artifact supplies the built config: reset_after, activations, forget_bias).
Scenarios that cannot be ported exactly are listed with the reason and left out; the exit
code is 1 when any was left out. The ``.npz`` loads into the target env with
``python -m backends.worker --weights WEIGHTS.npz`` (or ``tox -e ENV -- --weights ...``).
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Tuple

import numpy as np

from compare import artifact, port
from compare.errors import UserError
from compare.layout import PortError

HELP = "port first-seed weights from one artifact's route to another's layout, exactly or not at all"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="SOURCE.json:ROUTE (route tf1, keras or recipe)")
    parser.add_argument("target", help="TARGET.json:ROUTE whose built config the weights must fit")
    parser.add_argument("--out", required=True, help="the .npz to write")
    parser.add_argument("--scenario", action="append", help="port only this scenario (repeatable)")


def _side(text: str) -> Tuple[Path, str]:
    path, route = artifact.split_route(text, "PATH.json:tf1 or PATH.json:keras")
    return Path(path), route


def run(args: argparse.Namespace) -> int:
    (src_path, src_route), (dst_path, dst_route) = _side(args.source), _side(args.target)
    out = artifact.check_writable(Path(args.out), "--out", ".npz")
    source, target = artifact.load(src_path), artifact.load(dst_path)
    names = args.scenario or [n for n in source["scenarios"] if n in target["scenarios"]]
    if not names:
        raise UserError("the two artifacts share no scenario", "port between artifacts of one scenario file")
    missing = [n for n in names if n not in source["scenarios"] or n not in target["scenarios"]]
    if missing:
        raise UserError("scenario {!r} is not in both artifacts".format(missing[0]), "check --scenario")
    ported, refused = {}, 0
    with artifact.arrays(src_path, source) as arrays:
        for name in names:
            try:
                variables = port.port_between(source, arrays, src_route, target, dst_route, name)
            except PortError as exc:
                refused += 1
                print("{}: not ported: {}".format(name, exc))
                continue
            except (KeyError, TypeError, ValueError) as exc:
                raise UserError("scenario {!r}: the artifacts lack what porting needs ({}: {})".format(
                    name, type(exc).__name__, exc), artifact.FIX) from None
            ported.update(port.npz_keys(name, dst_route, variables))
            print("{}: ported {} variables".format(name, len(variables)))
    artifact.atomic_write(out, lambda handle: np.savez(handle, **ported))
    print("wrote {} ({} of {} scenarios)".format(args.out, len(names) - refused, len(names)))
    return 1 if refused else 0
