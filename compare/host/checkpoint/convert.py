"""``rnncompare convert``: a TF1 checkpoint's networks as Keras layers (or PyTorch modules) with their trained
weights, proven.

:func:`convert_inventory` drives two envs: tf115 restores each network from the checkpoint, runs it on fixed
batches (padded ones among them) and ports its weights (``backends.checkpoint.restore_tf1``); the Keras env ENV
(Keras on TensorFlow, or Keras 3 on JAX / torch) stores them in its own weights format beside the generated
``keras_model.py``, then a fresh process of ENV loads them through that file and compares with the TF1 outputs
(``backends.checkpoint.store_keras``), giving ``proof.json`` (and ``proof_batches.npz``: the batches and TF1
outputs, to re-check with the target framework alone). With ``to="torch"`` (env k3-torch) the target is a
PyTorch ``state_dict`` beside the generated ``torch_model.py`` (``backends.checkpoint.store_torch``); with
``to="flax"`` (env k3-jax) Flax params beside ``flax_model.py`` (``backends.checkpoint.store_flax``).
Everything is built in a temporary folder beside ``out`` and moved into place at the end:
``convert`` never leaves half a folder. :func:`convert` = ``compare.host.checkpoint.inspect.inspect_checkpoint`` + that.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple, Union

import numpy as np

from compare.core.inventory import Inventory
from compare.core.keras_plan import state_names
from compare.errors import UserError
from compare.host.checkpoint import flax_source, keras_source, torch_source
from compare.host.checkpoint import inspect as inspecting
from compare.host.envs import run_module as envrun

TF1_ENV = "tf115"
KERAS_ENVS = ("tf215", "tf221", "tf221-legacy")  # Keras on TensorFlow: migrate's default
STANDALONE_ENVS = ("k3-jax", "k3-torch")  # Keras 3 without TensorFlow (keras_model.py imports keras)
CONVERT_ENVS = KERAS_ENVS + STANDALONE_ENVS
# the module targets, each with the env that writes and proves it, and its generated file's source
MODULE_TARGETS = {"torch": ("k3-torch", torch_source), "flax": ("k3-jax", flax_source)}
TARGETS = ("keras",) + tuple(MODULE_TARGETS)
BATCHES = "proof_batches.npz"


@dataclass(frozen=True)
class Converted:
    """One network's outcome: proven (its worst |diff| within tolerance), failed, or refused with the reason."""

    name: str
    status: str  # "proven" | "failed" | "refused"
    max_abs_diff: float = float("nan")
    reason: str = ""


@dataclass(frozen=True)
class Conversion:
    """What ``convert`` wrote into ``out`` and how each network fared; ``exit_code`` 0 when all are proven."""

    out: Path
    networks: Tuple[Converted, ...]

    @property
    def exit_code(self) -> int:
        return 0 if self.networks and all(n.status == "proven" for n in self.networks) else 1


def check_out(out: Path) -> Path:
    """``out`` must not hold anything yet (it is replaced whole), and its parent must exist."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(
            f"--out {out} already exists and is not an empty folder", "give a new or empty folder: it is written whole"
        )
    if not out.parent.is_dir():
        raise UserError(f"the folder {out.parent} of --out does not exist", "create it first")
    return out


def check_env(env: str, to: str = "keras") -> str:
    """``env`` when it can hold the ``to`` target (``keras``: any Keras env; ``torch``: k3-torch; ``flax``:
    k3-jax)."""
    if to not in TARGETS:
        raise UserError(f"--to {to} is no conversion target", "choose one of " + ", ".join(TARGETS))
    if to in MODULE_TARGETS and env != MODULE_TARGETS[to][0]:
        raise UserError(
            f"--to {to} is written in env {MODULE_TARGETS[to][0]}, not {env}", f"use --env {MODULE_TARGETS[to][0]}"
        )
    if env not in CONVERT_ENVS:
        raise UserError(f"--env {env} is not a Keras env", "choose one of " + ", ".join(CONVERT_ENVS))
    return env


def stem(name: str) -> str:
    """A network's file-name stem: its scope path with anything but letters, digits, '.', '-' as '_'."""
    return re.sub(r"[^A-Za-z0-9.-]+", "_", name).strip("_") or "rnn"


def _entry(record: Dict[str, Any], spec: Dict[str, Any]) -> Dict[str, Any]:
    """What every generated model file's ``RNNS`` holds of one network (``spec``: its target's layout)."""
    return {
        "index": record["index"],
        "stem": stem(record["name"]),
        "cell_class": record["cell_class"],
        "family": record["family"],
        "options": record["options"],
        "variables": record["variables"],
        "state_names": state_names(spec["cell"], spec["directions"], spec["layers"]),
    }


def _rnns(plan: Dict[str, Any]) -> Dict[str, Any]:
    """``RNNS`` of keras_model.py for the networks that convert exactly."""
    rnns: Dict[str, Any] = {}
    for record in plan["networks"]:
        keras = record["keras"]
        if keras is None:
            continue
        order = [
            f"{layer}/{d}/{p}"
            for d in keras["directions"]
            for layer in range(keras["layers"])
            for p in ("kernel", "recurrent_kernel", "bias")
        ]
        rnns[record["name"]] = dict(
            _entry(record, keras), keras=dict(keras, cell_kwargs=record["cell_kwargs"]), weight_order=order
        )
    return rnns


def _module_rnns(plan: Dict[str, Any], to: str) -> Dict[str, Any]:
    """``RNNS`` of torch_model.py / flax_model.py for the networks that convert exactly."""
    return {
        record["name"]: dict(_entry(record, record[to]), **{to: record[to]})
        for record in plan["networks"]
        if record[to] is not None
    }


def _model_file(plan: Dict[str, Any], inventory: Inventory, env: str, to: str) -> Tuple[str, str, Dict[str, Any]]:
    """(the generated file's name, its text, its RNNS) for the ``to`` target in ``env``."""
    if to in MODULE_TARGETS:
        rnns = _module_rnns(plan, to)
        text = MODULE_TARGETS[to][1].render(rnns, inventory.checkpoint, plan["tensorflow"], env)
        return f"{to}_model.py", text, rnns
    rnns = _rnns(plan)
    text = keras_source.render(rnns, inventory.checkpoint, plan["tensorflow"], env, env in STANDALONE_ENVS)
    return "keras_model.py", text, rnns


def _run(env: str, module: str, args: Sequence[Union[str, Path]]) -> None:
    run = envrun.run_module(env, module, args)
    if run.returncode != 0:
        tail = "\n".join((run.stderr or run.stdout).strip().splitlines()[-15:])
        raise RuntimeError(f"{module} in {env} failed (exit {run.returncode}):\n{tail}")


def convert_inventory(inventory: Inventory, env: str, out: Path, to: str = "keras") -> Conversion:
    """Convert every network of ``inventory`` for the Keras env ``env`` (``to="torch"``: for PyTorch, in
    k3-torch; ``to="flax"``: for Flax, in k3-jax) into the new folder ``out``."""
    env, out = check_env(env, to), check_out(Path(out))
    if not inventory.networks:
        raise UserError(
            f"checkpoint {inventory.checkpoint} holds no recurrent network",
            "run rnncompare inspect to see what it holds",
        )
    with built_whole(out, ".convert-") as build:
        work_dir = build.parent
        (work_dir / "inventory.json").write_text(json.dumps(inventory.to_dict()), encoding="utf-8")
        staging, plan_path = work_dir / "staging.npz", work_dir / "plan.json"
        _run(
            TF1_ENV,
            "backends.checkpoint.restore_tf1",
            ["--inventory", work_dir / "inventory.json", "--staging", staging, "--plan", plan_path, "--target", to],
        )
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        filename, text, rnns = _model_file(plan, inventory, env, to)
        (build / filename).write_text(text, encoding="utf-8")
        proof: Dict[str, Any] = {"networks": {}}
        if rnns:
            store = f"backends.checkpoint.store_{to}"
            _run(env, store, ["save", "--dir", build, "--staging", staging, "--out", work_dir / "saved.json"])
            _run(env, store, ["prove", "--dir", build, "--staging", staging, "--out", work_dir / "proof.json"])
            proof = json.loads((work_dir / "proof.json").read_text(encoding="utf-8"))
            _keep_batches(staging, build / BATCHES, rnns)
        converted = _outcomes(plan, proof, to)
        document = dict(
            proof,
            schema="rnncompare/convert-proof",
            version=1,
            env=env,
            target=to,
            checkpoint=inventory.checkpoint,
            tf1={"env": TF1_ENV, "tensorflow": plan["tensorflow"]},
            refused={r["name"]: r["refused"] for r in plan["networks"] if r[to] is None},
            summary=[
                {"name": c.name, "status": c.status, "max_abs_diff": c.max_abs_diff, "reason": c.reason}
                for c in converted
            ],
        )
        (build / "proof.json").write_text(json.dumps(document, indent=1), encoding="utf-8")
    return Conversion(out, tuple(converted))


@contextlib.contextmanager
def built_whole(out: Path, prefix: str) -> Iterator[Path]:
    """A new folder beside ``out`` to build in, moved to ``out`` whole when the block succeeds and removed
    when it does not: an error or an interrupt (Ctrl-C, SIGTERM) leaves ``out`` as it was."""
    with tempfile.TemporaryDirectory(prefix=prefix, dir=str(out.parent)) as work:
        build = Path(work) / "out"
        build.mkdir()
        yield build
        if out.exists():
            out.rmdir()
        shutil.move(str(build), str(out))


def _keep_batches(staging: Path, path: Path, rnns: Dict[str, Any]) -> None:
    """The batches and TF1 outputs of the proof, keyed by network name (``NAME/batch0/inputs``,
    ``NAME/batch0/lengths``, ``NAME/batch0/tf1/output``, ``NAME/batch0/tf1/state/fw/l0/h``), so anyone can
    re-run the Keras layers on them with TensorFlow alone."""
    by_index = {"net{}".format(r["index"]): name for name, r in rnns.items()}
    with np.load(str(staging)) as arrays:
        kept = {
            by_index[k.split("/", 1)[0]] + "/" + k.split("/", 1)[1]: arrays[k]
            for k in arrays.files
            if k.split("/", 1)[0] in by_index and "/batch" in k
        }
    with open(str(path), "wb") as handle:
        np.savez(handle, **kept)


def _outcomes(plan: Dict[str, Any], proof: Dict[str, Any], to: str) -> List[Converted]:
    converted = []
    for record in plan["networks"]:
        if record[to] is None:
            converted.append(Converted(record["name"], "refused", reason=record["refused"]))
            continue
        measured = proof["networks"][record["name"]]
        converted.append(
            Converted(record["name"], "proven" if measured["pass"] else "failed", measured["max_abs_diff"])
        )
    return converted


def convert(checkpoint: str, env: str, out: Path, sets: Sequence[str] = (), to: str = "keras") -> Conversion:
    """``rnncompare convert CHECKPOINT --env ENV --out DIR [--to keras|torch|flax] [--set ...]``."""
    check_env(env, to)
    check_out(Path(out))
    return convert_inventory(inspecting.inspect_checkpoint(checkpoint, sets, env=TF1_ENV), env, Path(out), to)
