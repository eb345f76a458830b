"""``rnncompare convert CHECKPOINT --env ENV --out DIR [--to keras|torch|flax] [--set NAME.OPTION=VALUE ...]``:
``compare.host.checkpoint.convert.convert``.

Finds the checkpoint's recurrent networks (``inspect``), restores and runs each in tf115, writes
``DIR/keras_model.py`` (ENV's Keras only) with the converted weights in ENV's Keras format beside it (or,
``--to torch`` in k3-torch, ``DIR/torch_model.py`` and a PyTorch ``state_dict`` per network; ``--to flax`` in
k3-jax, ``DIR/flax_model.py`` and Flax params per network), and
``DIR/proof.json`` (TF1 vs the loaded layer in a fresh ENV process, max |diff| per output). Exit 0
when every network is proven within 1e-5, 1 when one is not (or cannot be converted exactly: listed with
the reason), 2 on bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from compare.host.checkpoint.convert import CONVERT_ENVS, TARGETS, convert

HELP = (
    "convert a TF1 checkpoint's GRU/LSTM networks to Keras layers (or PyTorch / Flax modules) with their weights, "
    "proven by forward passes"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", help="the checkpoint prefix (model.ckpt-N) or its folder")
    parser.add_argument("--env", required=True, help="the Keras env to convert for: " + ", ".join(CONVERT_ENVS))
    parser.add_argument(
        "--to",
        choices=TARGETS,
        default="keras",
        help="what to write: Keras layers (default), PyTorch modules (torch, with --env k3-torch) or Flax "
        "modules (flax, with --env k3-jax)",
    )
    parser.add_argument("--out", required=True, type=Path, help="the new folder to write")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        dest="sets",
        metavar="NAME.OPTION=VALUE",
        help="what the checkpoint cannot say (repeatable), as for inspect",
    )


def run(args: argparse.Namespace) -> int:
    result = convert(args.checkpoint, args.env, args.out, args.sets, args.to)
    for network in result.networks:
        if network.status == "refused":
            print(f"{network.name}: not converted: {network.reason}")
        else:
            print(f"{network.name}: {network.status} (max |diff| {network.max_abs_diff:.1e})")
    model = f"{args.to}_model.py"
    print(f"wrote {result.out} ({model}, weights, proof.json)")
    return result.exit_code
