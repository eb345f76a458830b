"""``inspect`` as a library: what a TF1 checkpoint holds, read in a TF env, handed back as records.

:func:`inspect_checkpoint` runs ``python -m backends.checkpoint.list_networks`` in one tox TF env (``compare.host.envs.run_module``),
reads the Inventory JSON it writes and applies the user's ``--set NAME.OPTION=VALUE``;
:func:`scenarios_document` turns an Inventory into the scenario file that rebuilds each network with
its recorded initializers (``inspect --scenarios-out``).
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from compare.core import inventory
from compare.core.inventory import Inventory, Network
from compare.core.scenarios import NAME_RE
from compare.errors import UserError
from compare.host.envs import run_module as envrun

MODULE = "backends.checkpoint.list_networks"
SET_RE = re.compile(r"^(?P<network>.+)\.(?P<option>[A-Za-z_]+)=(?P<value>.*)$")


def parse_value(text: str) -> Any:
    """``--set`` values as TOML would read them: ``true``/``false``, ``none``, numbers, else the text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def parse_set(text: str) -> Tuple[str, str, Any]:
    """``encoder/rnn.forget_bias=1.0`` -> ``("encoder/rnn", "forget_bias", 1.0)``; UserError otherwise."""
    match = SET_RE.match(text)
    if not match:
        raise UserError(
            f"--set {text!r} is not NAME.OPTION=VALUE",
            "e.g. --set encoder/rnn.forget_bias=1.0 or --set encoder/rnn.cell_class=LSTMCell",
        )
    return match.group("network"), match.group("option"), parse_value(match.group("value"))


def apply_sets(found: Inventory, sets: Sequence[str]) -> Inventory:
    """The inventory with each ``NAME.OPTION=VALUE`` given (source ``set``)."""
    networks = {n.name: n for n in found.networks}
    for text in sets:
        name, option, value = parse_set(text)
        if name not in networks:
            raise UserError(
                f"--set {text}: no network {name!r} in {found.checkpoint}", "networks: " + ", ".join(networks)
            )
        network = networks[name]
        allowed = ("cell_class",) + tuple(dict(network.options)) + network.missing
        if option not in allowed:
            raise UserError(f"--set {text}: {name} has no option {option!r}", "options: " + ", ".join(allowed))
        if option == "cell_class" and network.candidates and value not in network.candidates:
            raise UserError(
                f"--set {text}: {value} is not a class whose variables these are",
                "candidates: " + ", ".join(network.candidates),
            )
        try:
            networks[name] = network.with_option(option, value)
        except ValueError as exc:
            raise UserError(f"--set {text}: {exc}", "see the candidates inspect lists") from None
    return replace(found, networks=tuple(networks[n.name] for n in found.networks))


def checkpoint_path(checkpoint: str) -> Path:
    """The checkpoint prefix or folder, resolved; UserError when there is neither (checked on the host, before
    any TF env starts)."""
    path = Path(checkpoint).expanduser().resolve()
    if not path.is_dir() and not path.with_name(path.name + ".index").exists() and not path.is_file():
        raise UserError(
            f"no checkpoint at {checkpoint} (no {path.name}.index, not a folder)",
            "give a checkpoint prefix (model.ckpt-1000, without .index) or its folder",
        )
    return path


def inspect_checkpoint(
    checkpoint: str, sets: Sequence[str] = (), env: str = "tf115", meta: str | None = None, use_meta: bool = True
) -> Inventory:
    """Everything the checkpoint CHECKPOINT (a prefix or a folder with a ``checkpoint`` file) holds, read by
    TensorFlow in tox env ``env``, with ``sets`` (``NAME.OPTION=VALUE``) applied. UserError for bad input:
    no checkpoint, a truncated one, a ``.meta`` of another checkpoint, no recurrent network."""
    path = checkpoint_path(checkpoint)
    with tempfile.TemporaryDirectory(prefix="rnncompare-inspect-") as tmp:
        out = Path(tmp) / "inventory.json"
        args: List[str] = [str(path), "--out", str(out)]
        if meta:
            args += ["--meta", str(Path(meta).expanduser().resolve())]
        if not use_meta:
            args.append("--no-meta")
        run = envrun.run_module(env, MODULE, args)
        if run.returncode != 0 or not out.exists():
            tail = (run.stderr.strip().splitlines() or run.stdout.strip().splitlines() or ["no output"])[-1]
            raise UserError(
                f"inspect failed in env {env} (exit {run.returncode}): {tail[:300]}",
                "rerun with the env's own command: tox -e {} -x 'testenv.commands=python -m {} "
                "{{posargs}}' -- {}".format(env, MODULE, " ".join(args[:1])),
            )
        found = inventory.from_dict(json.loads(out.read_text(encoding="utf-8")))
    return apply_sets(found, sets)


def scenario_name(network: Network, taken: Sequence[str]) -> str:
    """A scenario name (letters, digits, ``. _ -``) from the network's scope path, unique among ``taken``."""
    base = re.sub(r"[^A-Za-z0-9._-]+", ".", network.name).strip(".")[:56] or "network"
    name, k = base, 2
    while name in taken or not NAME_RE.match(name):
        name, k = f"{base}-{k}", k + 1
    return name


@dataclass(frozen=True)
class ModelScenarios:
    """The scenarios that rebuild a checkpoint's networks: the file's document, which scenario rebuilds
    which network, and why the others are left out."""

    document: Dict[str, Any]
    names: Dict[str, str]  # network -> scenario
    skipped: Dict[str, str]  # network -> why no scenario rebuilds it

    def toml(self) -> bytes:
        import tomli_w

        return tomli_w.dumps(self.document).encode("utf-8")


def scenarios_document(found: Inventory, seeds: int = 32) -> ModelScenarios:
    """A scenario for every network a scenario can rebuild (``compare.core.inventory.scenario_table``)."""
    tables: List[Dict[str, Any]] = []
    names, skipped = {}, {}
    for network in found.networks:
        try:
            table = inventory.scenario_table(network, scenario_name(network, [t["name"] for t in tables]), seeds)
        except ValueError as exc:
            skipped[network.name] = str(exc)
            continue
        tables.append(table)
        names[network.name] = table["name"]
    return ModelScenarios({"scenario": tables}, names, skipped)
