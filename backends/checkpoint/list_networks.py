"""In-env entry of ``rnncompare inspect``: read one checkpoint (and its graph), write its Inventory as JSON.

    python -m backends.checkpoint.list_networks CHECKPOINT --out INVENTORY.json [--meta PATH | --no-meta]

CHECKPOINT is a prefix (``model.ckpt-1000``) or a folder with a ``checkpoint`` file; the graph is
``PREFIX.meta`` when it exists (or ``--meta``). Bad input: one ``error: cause (hint: ...)`` line on
stderr, exit 2.

TensorFlow's C++ code can crash the process on a damaged file (a ``.meta`` with one byte changed can
end in SIGSEGV inside the graph import), so the reading runs in a child process (``--child``); this
process imports no TensorFlow and turns a crash or a hang of the child into that one line.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

from backends.checkpoint import bundle
from backends.checkpoint import reader as checkpoint
from compare.core import detect, families
from compare.core.cell_scopes import Stored, find_cells
from compare.core.inventory import Inventory
from compare.errors import ArgumentParser, UserError


def _gate_orders(variables: List[Stored]) -> Dict[str, Tuple[str, ...]]:
    """Every variable that may feed a cell's MatMul (fused or input kinds), with its gate order."""
    orders = {}
    for readings in find_cells(variables):
        family = families.get(readings[0].family)
        kinds = {v.param: v for v in family.variables}
        for param, var in readings[0].params:
            spec = kinds.get(param)
            if spec is not None and spec.kind in ("fused", "input"):
                orders[var.name] = spec.gates
    return orders


def _keras_layers(variables: List[Stored]) -> List[str]:
    """The scopes holding a Keras recurrent layer's weights (a ``recurrent_kernel`` beside a ``kernel``)."""
    names = {v.name for v in variables}
    return sorted(
        n[: -len("/recurrent_kernel")]
        for n in names
        if n.endswith("/recurrent_kernel") and n[: -len("recurrent_kernel")] + "kernel" in names
    )


def inspect(path: str, meta: Optional[str] = None, use_meta: bool = True) -> Inventory:
    """The Inventory of the checkpoint at ``path`` (UserError for bad input)."""
    prefix = bundle.resolve(path)
    listing = bundle.list_variables(prefix)
    variables = listing.variables
    if meta is None and use_meta and os.path.exists(prefix + ".meta"):
        meta = prefix + ".meta"
    elif meta is not None and not os.path.exists(meta):
        raise UserError(f"no graph file {meta}", "give the .meta written with the checkpoint, or leave --meta out")
    facts = None
    if meta is not None and use_meta:
        graph = checkpoint.import_graph(meta)
        checkpoint.check_belongs(variables, checkpoint.graph_variables(graph), meta)
        plain, _ = detect.split_slots(variables)
        facts = checkpoint.graph_facts(graph, variables, _gate_orders(plain))
    networks, others = detect.detect(variables, facts)
    keras = _keras_layers(variables)
    if not networks and keras:
        raise UserError(
            "no TF1 recurrent network in {} ({} checkpoint of {} variables): its recurrent weights ({}) are "
            "Keras layers' (kernel, recurrent_kernel, bias), already in Keras's layout: nothing to convert".format(
                prefix, "an object-based" if listing.source == "object" else "a", len(variables), ", ".join(keras[:3])
            ),
            "restore them into the same Keras model: tf.train.Checkpoint(model=model).restore(PREFIX)",
        )
    if not networks:
        odd = [o.name for o in others if o.role == "unrecognised"]
        raise UserError(
            "no recurrent network in {}: none of its {} variables fit a TF1 cell family{}".format(
                prefix, len(variables), " (unrecognised: {})".format(", ".join(odd[:3])) if odd else ""
            ),
            "inspect knows the cells of "
            + ", ".join(
                c for n in families.names() for c in families.get(n).classes if families.get(n).framework == "tf1"
            ),
        )
    bundle.check_data(prefix, listing, [v.name for n in networks for v in n.variables])
    keys = tuple(sorted(listing.keys.items()))
    return Inventory(prefix, listing.tensorflow, meta if use_meta else None, networks, others, listing.source, keys)


def write_json(data: dict, path: str) -> None:
    """Write atomically: a temporary file beside it, then renamed."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as out:
            json.dump(data, out, indent=1, sort_keys=True)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def run_child(argv: List[str], timeout: float) -> int:
    """Run this entry with ``argv`` in a child process (``--child``): its exit code, or one ``error:`` line
    and 2 when TensorFlow crashed it (a signal) or it outlived ``timeout`` seconds."""
    command = [sys.executable, "-m", "backends.checkpoint.list_networks", "--child"] + argv
    try:
        done = subprocess.run(command, timeout=timeout)
    except subprocess.TimeoutExpired:
        cause = f"reading {argv[0]} took over {timeout:.0f} s"
        hint = "a damaged .meta can make TensorFlow loop: try --no-meta, or raise RNNCOMPARE_INSPECT_TIMEOUT"
        print(UserError(cause, hint).one_line(), file=sys.stderr)
        return 2
    if done.returncode >= 0:
        return done.returncode
    try:
        name = signal.Signals(-done.returncode).name
    except ValueError:
        name = f"signal {-done.returncode}"
    cause = f"TensorFlow crashed ({name}) reading the checkpoint {argv[0]}: its files are damaged"
    hint = "copy PREFIX.index, PREFIX.data-* and PREFIX.meta again; --no-meta skips the graph, the usual culprit"
    print(UserError(cause, hint).one_line(), file=sys.stderr)
    return 2


def main(argv: Optional[List[str]] = None) -> int:
    parser = ArgumentParser(prog="python -m backends.checkpoint.list_networks", description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--out", required=True)
    parser.add_argument("--meta", help="the .meta graph (default: PREFIX.meta when it exists)")
    parser.add_argument("--no-meta", action="store_true", help="read the checkpoint alone")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    raw = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(raw)
    if not args.child:
        timeout = float(os.environ.get("RNNCOMPARE_INSPECT_TIMEOUT", "900"))
        return run_child([a for a in raw if a != "--child"], timeout)
    try:
        inventory = inspect(args.checkpoint, args.meta, not args.no_meta)
        write_json(inventory.to_dict(), args.out)
    except UserError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
