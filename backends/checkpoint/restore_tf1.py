"""``rnncompare convert``, TF1 side: each network of a checkpoint restored, run, and its weights ported.

``python -m backends.checkpoint.restore_tf1 --inventory INVENTORY.json --staging OUT.npz --plan OUT.json
[--target keras|torch|flax]`` (tf115): reads every network's variables with TensorFlow's checkpoint reader,
rebuilds the network through the TF1 route (its cell class with its options, ``MultiRNNCell``,
``dynamic_rnn`` / ``bidirectional_dynamic_rnn`` with ``sequence_length``), loads the checkpoint values into
it, runs it on ``compare.core.keras_plan.batches`` and writes the inputs, lengths, output sequences and final
states, plus the target's weights ``compare.core.port`` makes of the checkpoint values (Keras weights, or a
PyTorch ``state_dict`` or Flax params: ``compare.core.module_plan``), to the staging ``.npz``; the plan JSON
says per network which Keras layer (or PyTorch / Flax module) computes the same function, or why none does.
Bad input: one ``error:`` line, exit 2.
"""

import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from backends import tfenv
from backends.checkpoint import bundle
from backends.routes.base import Unavailable
from backends.routes.tf1 import TF1Built
from compare.artifact import write_npz
from compare.core import inventory, module_plan, scenarios
from compare.core import keras_plan as convert
from compare.core.assemble import PortError
from compare.errors import ArgumentParser, UserError


def run_network(network: inventory.Network, index: int, values: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """The restored TF1 network's outputs on every batch: ``{staging key: array}``."""
    table = inventory.scenario_table(network, f"net{index}", seeds=1)
    built = TF1Built(scenarios.parse_scenario(0, table), with_lengths=True)
    try:
        next(built.draws(1))
        built.load(convert.tf1_values(network, values))
        out = {}
        for b, (inputs, lengths) in enumerate(convert.batches(network.input_size, seed=index)):
            out[convert.staging_key(index, f"batch{b}", "inputs")] = inputs
            out[convert.staging_key(index, f"batch{b}", "lengths")] = lengths
            for name, value in built.forward(inputs, lengths).items():
                out[convert.staging_key(index, f"batch{b}", "tf1", name)] = value
        return out
    finally:
        built.close()


def _record(network: inventory.Network, index: int, target: str) -> Tuple[Dict[str, Any], Any]:
    """(the plan record for the JSON, the target's spec or None): ``keras`` / ``torch`` / ``flax`` holds the spec."""
    found: Any = convert.plan(network) if target == "keras" else module_plan.plan(network, target)
    spec = found.keras if target == "keras" else found.spec
    record: Dict[str, Any] = {
        "index": index,
        "name": network.name,
        "family": network.family,
        "cell_class": network.cell_class,
        "options": dict(network.options),
        "variables": [v.name for v in network.variables],
        target: spec.to_dict() if spec else None,
        "refused": found.refused,
    }
    if target == "keras":
        record["cell_kwargs"] = spec.cell_kwargs() if spec else None
    return record, spec


def _ported(network: inventory.Network, index: int, spec: Any, values: Mapping[str, np.ndarray]) -> Dict[str, Any]:
    """The target's weights as staging arrays: ``netI/keras/0/fw/kernel``, ``netI/torch/directions.fw.bias_ih_l0``,
    ``netI/flax/fw/l0/cell/hf/bias``."""
    if isinstance(spec, module_plan.ModuleSpec):
        params = module_plan.module_weights(network, spec, values)
        return {convert.staging_key(index, spec.framework, key): value for key, value in params.items()}
    ported = convert.keras_weights(network, spec, values)
    return {convert.staging_key(index, "keras", *key): ported[key] for key in spec.weight_order()}


def convert_all(inv: inventory.Inventory, target: str = "keras") -> Tuple[List[Dict[str, Any]], Dict[str, np.ndarray]]:
    """(plan records for the JSON, staging arrays) for every network of ``inv``, ported for ``target``
    (``keras``, ``torch`` or ``flax``)."""
    plans: List[Dict[str, Any]] = []
    arrays: Dict[str, np.ndarray] = {}
    for index, network in enumerate(inv.networks):
        record, spec = _record(network, index, target)
        plans.append(record)
        if spec is None:
            continue
        values = bundle.read_values(inv.checkpoint, record["variables"], dict(inv.keys))
        try:
            ported = _ported(network, index, spec, values)
            arrays.update(run_network(network, index, values))
        except (PortError, Unavailable, ValueError) as exc:
            record.update({target: None, "refused": str(exc)})
            if target == "keras":
                record["cell_kwargs"] = None
            continue
        arrays.update(ported)
    return plans, arrays


def main(argv: Optional[List[str]] = None) -> int:
    parser = ArgumentParser(prog="python -m backends.checkpoint.restore_tf1", description=__doc__.split("\n")[0])
    parser.add_argument("--inventory", required=True, help="the checkpoint's inventory (JSON)")
    parser.add_argument("--staging", required=True, help="the .npz to write: batches, TF1 outputs, Keras weights")
    parser.add_argument("--plan", required=True, help="the JSON to write: per network, its Keras layer or why none")
    parser.add_argument(
        "--target", choices=("keras",) + module_plan.FRAMEWORKS, default="keras", help="port for Keras, PyTorch or Flax"
    )
    args = parser.parse_args(argv)
    try:
        with open(args.inventory, encoding="utf-8") as handle:
            inv = inventory.from_dict(json.load(handle))
    except (OSError, ValueError, KeyError) as exc:
        print(
            UserError(f"cannot use inventory {args.inventory}: {exc}", "write it with Inventory.to_dict").one_line(),
            file=sys.stderr,
        )
        return 2
    try:
        plans, arrays = convert_all(inv, args.target)
    except UserError as exc:
        print(exc.one_line(), file=sys.stderr)
        return 2
    write_npz(Path(args.staging), arrays)
    with open(args.plan, "w", encoding="utf-8") as handle:
        json.dump({"tensorflow": tfenv.tensorflow().__version__, "networks": plans}, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
