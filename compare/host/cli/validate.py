"""``rnncompare validate [FILE]``: check a scenario file and list what it defines."""

from __future__ import annotations

import argparse

from compare.core.scenarios import load_scenarios

HELP = "check a scenario file (default: the built-in suite) and list its scenarios"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenarios", nargs="?", help="scenario TOML file")


def run(args: argparse.Namespace) -> int:
    for s in load_scenarios(args.scenarios):
        shape = "{} x{} {}".format(s.cell, s.layers, "bidirectional" if s.bidirectional else "unidirectional")
        print(f"{s.name:<32} {shape}  units={s.units} input_dim={s.input_dim} seeds={s.seeds}  spec_hash={s.spec_hash}")
    return 0
