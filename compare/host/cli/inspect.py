"""``rnncompare inspect CHECKPOINT``: ``compare.host.checkpoint.inspect.inspect_checkpoint``, printed per network.

    rnncompare inspect CHECKPOINT [--json PATH] [--scenarios-out model.toml] [--set NAME.OPTION=VALUE ...]
                       [--env tf115] [--meta PATH | --no-meta]

Reads the checkpoint (a prefix, or a folder with a ``checkpoint`` file) with TensorFlow's reader in a TF env
and, when there is one, its ``.meta`` graph; prints every recurrent network (family, sizes, options and
where each came from, initializers, variables and their optimizer slots) and the variables around them.
``--scenarios-out`` writes the scenarios that rebuild each network with its recorded initializers, for
``rnncompare run --scenarios``. Exit code 0, 2 on bad input (one line).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Dict, List

from compare.artifact import atomic_write
from compare.core.inventory import Inventory, Listed, Network, RecordedInitializer
from compare.errors import UserError
from compare.host.checkpoint.inspect import inspect_checkpoint, scenarios_document

HELP = "list the recurrent networks of a TF1 checkpoint: families, sizes, options, recorded initializers"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", help="checkpoint prefix (model.ckpt-1000) or a folder with a 'checkpoint' file")
    parser.add_argument("--json", metavar="PATH", help="also write the inventory as JSON")
    parser.add_argument("--scenarios-out", metavar="TOML", help="write the scenarios that rebuild each network")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME.OPTION=VALUE",
        help="give what the checkpoint cannot say (repeatable), e.g. rnn.forget_bias=1.0",
    )
    parser.add_argument(
        "--env", default="tf115", help="the tox TF env whose TensorFlow reads it (default: %(default)s)"
    )
    parser.add_argument("--meta", help="the .meta graph (default: PREFIX.meta when it exists)")
    parser.add_argument("--no-meta", action="store_true", help="read the checkpoint alone")
    parser.add_argument("--seeds", type=int, default=32, help="seeds per scenario in --scenarios-out (default: 32)")


def _init_text(init: RecordedInitializer | None) -> str:
    if init is None:
        return "unknown"
    params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in init.params)
    return f"{init.name}({params})" if params else init.name


def describe(network: Network) -> List[str]:
    """The lines printed for one network."""
    kind = network.cell_class or "unknown cell class (candidates: {})".format(", ".join(network.candidates))
    lines = [
        "{}: {}{}".format(network.name, kind, f" [{network.family}]" if network.family else ""),
        "  {} layer{}, {}, {} units, input {}{}{}".format(
            network.layers,
            "s" if network.layers > 1 else "",
            "bidirectional" if network.bidirectional else "unidirectional",
            network.units,
            network.input_size,
            f", projection {network.num_proj}" if network.num_proj else "",
            ", peepholes" if network.peepholes else "",
        ),
    ]
    sources = dict(network.option_sources)
    if network.options:
        lines.append(
            "  options: " + ", ".join("{}={} ({})".format(k, v, sources.get(k, "?")) for k, v in network.options)
        )
    if network.unknown:
        lines.append("  unknown: {} (give with --set {}.OPTION=VALUE)".format(", ".join(network.unknown), network.name))
    inits = Counter(_init_text(v.initializer) for v in network.variables)
    lines.append("  initializers: " + ", ".join(f"{k} x{n}" for k, n in inits.most_common()))
    for owned in network.variables:
        lines.append(
            "    l{}/{} {:<20} {:<14} {}{}".format(
                owned.layer,
                owned.direction,
                owned.param,
                str(list(owned.shape)),
                _init_text(owned.initializer),
                "  slots: " + ", ".join(s.rpartition("/")[2] for s in owned.slots) if owned.slots else "",
            )
        )
    lines += ["  note: " + note for note in network.notes]
    return lines


def summary(found: Inventory) -> List[str]:
    lines = ["{} (read by TensorFlow {}; graph: {})".format(found.checkpoint, found.tensorflow, found.graph or "none")]
    for network in found.networks:
        lines += describe(network)
    by_role: Dict[str, List[Listed]] = {}
    for other in found.others:
        by_role.setdefault(other.role, []).append(other)
    for role in ("variable", "slot", "unrecognised"):
        items = by_role.get(role, [])
        if not items:
            continue
        lines.append(
            "{} {}{}:".format(
                len(items),
                {"variable": "other variable", "slot": "other slot", "unrecognised": "unrecognised variable"}[role],
                "s" if len(items) > 1 else "",
            )
        )
        for item in items:
            extra = " of " + item.of if item.of else (" (" + item.note + ")" if item.note else "")
            lines.append(f"  {item.name} {list(item.shape)}{extra}")
    return lines


def run(args: argparse.Namespace) -> int:
    found = inspect_checkpoint(args.checkpoint, args.sets, args.env, args.meta, not args.no_meta)
    for line in summary(found):
        print(line)
    if args.json:
        text = json.dumps(found.to_dict(), indent=1, sort_keys=True).encode("utf-8")
        atomic_write(Path(args.json), lambda handle: handle.write(text))
        print("wrote " + args.json)
    if args.scenarios_out:
        model = scenarios_document(found, args.seeds)
        for reason in model.skipped.values():
            print("not in the scenarios: " + reason)
        document = model.document
        if not document["scenario"]:
            raise UserError("no network can be rebuilt as a scenario", "give what is unknown with --set")
        atomic_write(Path(args.scenarios_out), lambda handle: handle.write(model.toml()))
        print(
            "wrote {} ({} scenario{}): rnncompare run --scenarios {}".format(
                args.scenarios_out,
                len(document["scenario"]),
                "s" if len(document["scenario"]) > 1 else "",
                args.scenarios_out,
            )
        )
    return 0
