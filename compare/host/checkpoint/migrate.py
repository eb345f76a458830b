"""``rnncompare migrate``: a TF1 checkpoint in, proven Keras layers and one migration report out.

    migrate(checkpoint, out, sets=(), envs=None, keras_envs=None, seeds=32) -> Migration

The whole walk, each step the library function of its own verb:

1. ``inspect`` (:func:`compare.host.checkpoint.inspect.inspect_checkpoint`): the networks, their options and recorded
   initializers -> ``OUT/inventory.json``, and the scenarios that rebuild them -> ``OUT/model.toml``;
2. ``run`` (:func:`compare.host.runner.run_matrix`) of those scenarios in every env -> ``OUT/artifacts/``;
3. ``convert`` (:func:`compare.host.checkpoint.convert.convert_inventory`) for every Keras env -> ``OUT/keras/ENV/``;
4. the report of the artifacts (:func:`compare.host.report.make_report`) with one section per network
   (inventory, recovered initialization, conversion proof per env) -> ``OUT/report.{md,html,json}``.

Bad input (the checkpoint, ``--set``, OUT) is refused before anything is written. Everything is built in a
folder beside OUT and moved into place at the end, so an error or an interrupt leaves OUT as it was. An env or a conversion
that fails is reported in its place and the others go on; exit code 0 when every env ran and every
network was proven in every Keras env (as ``convert``: a network refused is not proven), 1 otherwise,
2 on bad input.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from compare.artifact import atomic_write
from compare.core.inventory import Inventory
from compare.errors import UserError
from compare.host import runner
from compare.host.checkpoint import convert as conversion
from compare.host.checkpoint import inspect as inspecting
from compare.host.report.networks import Proof, sections


@dataclass(frozen=True)
class Migration:
    """What ``migrate`` did: the inventory, each env's run, each Keras env's conversion, the report."""

    out: Path
    inventory: Inventory
    runs: List[runner.EnvResult]
    conversions: Dict[str, Optional[conversion.Conversion]]  # None: the conversion failed (see proofs)
    proofs: Dict[str, List[Proof]]
    report: Dict[str, Path]

    @property
    def exit_code(self) -> int:
        ran = all(r.status == "ok" for r in self.runs)
        proven = all(p.status == "proven" for ps in self.proofs.values() for p in ps)
        return 0 if ran and proven and self.proofs else 1


def check_inputs(checkpoint: str, out: Path, envs: Sequence[str], keras_envs: Sequence[str]) -> Path:
    """What can be refused before anything runs: the checkpoint, the envs, ``out`` (must be new or empty)."""
    inspecting.checkpoint_path(checkpoint)
    runner.check_envs(list(envs) + list(keras_envs))
    for env in keras_envs:
        conversion.check_env(env)
    return conversion.check_out(out)


def _moved(build: Path, out: Path, path: Path) -> Path:
    """Where ``path``, written under ``build``, is once ``build`` became ``out``."""
    return out / path.relative_to(build)


KERAS = Path("keras")  # OUT/keras/ENV: one Keras env's conversion


def _error_file(env: str) -> Path:
    """Where, under OUT, a Keras env's failed conversion leaves its message."""
    return KERAS / f"{env}.error.txt"


def _convert_all(
    found: Inventory, keras_envs: Sequence[str], out: Path, notify: Callable[[str], None]
) -> Dict[str, Optional[conversion.Conversion]]:
    done: Dict[str, Optional[conversion.Conversion]] = {}
    (out / KERAS).mkdir()
    for env in keras_envs:
        notify(f"converting for {env}")
        try:
            done[env] = conversion.convert_inventory(found, env, out / KERAS / env)
        except (RuntimeError, UserError) as exc:  # one env's failure is reported; the others go on
            notify(f"conversion for {env} failed: {exc}")
            done[env] = None
            (out / _error_file(env)).write_text(str(exc), encoding="utf-8")
    return done


def _proofs(found: Inventory, conversions: Dict[str, Optional[conversion.Conversion]]) -> Dict[str, List[Proof]]:
    proofs: Dict[str, List[Proof]] = {n.name: [] for n in found.networks}
    for env, done in conversions.items():
        outcome = {c.name: c for c in done.networks} if done is not None else {}
        for name in proofs:
            converted = outcome.get(name)
            if converted is None:
                reason = f"the conversion failed: see {_error_file(env)}" if done is None else "not converted"
                proofs[name].append(Proof(env, "not run", None, reason))
                continue
            diff = None if converted.max_abs_diff != converted.max_abs_diff else converted.max_abs_diff  # NaN
            proofs[name].append(
                Proof(
                    env,
                    converted.status,
                    diff,
                    converted.reason,
                    str(KERAS / env) if converted.status != "refused" else "",
                )
            )
    return proofs


def migrate(
    checkpoint: str,
    out: Path,
    sets: Sequence[str] = (),
    envs: Optional[Sequence[str]] = None,
    keras_envs: Sequence[str] = conversion.KERAS_ENVS,
    seeds: int = 32,
    parallel: Optional[int] = None,
    on_event: Optional[Callable[[runner.Event], None]] = None,
    notify: Callable[[str], None] = lambda _line: None,
) -> Migration:
    """The whole migration of ``checkpoint`` into the new folder ``out`` (see the module docstring)."""
    from compare.host.report import make_report  # scipy loads only when a report is made

    envs = list(envs or runner.matrix())
    out = check_inputs(checkpoint, out, envs, keras_envs)
    notify(f"inspecting {checkpoint}")
    found = inspecting.inspect_checkpoint(checkpoint, sets)
    model = inspecting.scenarios_document(found, seeds)
    if not model.names:  # convert rebuilds each network from its scenario too: nothing could be done
        raise UserError(
            "no network of {} can be rebuilt: {}".format(checkpoint, "; ".join(model.skipped.values())),
            "give what is unknown with --set NAME.OPTION=VALUE",
        )
    with conversion.built_whole(out, ".migrate-") as build:
        atomic_write(build / "inventory.json", lambda h: h.write(json.dumps(found.to_dict(), indent=1).encode("utf-8")))
        scenario_file = build / "model.toml"
        atomic_write(scenario_file, lambda h: h.write(model.toml()))
        notify("running {} scenario(s) in {}".format(len(model.names), ", ".join(envs)))
        runs = runner.run_matrix(envs, build / "artifacts", scenario_file, parallel, on_event)
        conversions = _convert_all(found, keras_envs, build, notify)
        proofs = _proofs(found, conversions)
        notify("writing the report")
        written = make_report(build / "artifacts", build, networks=sections(found, model.names, model.skipped, proofs))
    moved = functools.partial(_moved, build, out)
    runs = [dataclasses.replace(r, artifact=r.artifact and moved(r.artifact), log=moved(r.log)) for r in runs]
    report = {name: moved(path) for name, path in written.items()}
    return Migration(out, found, runs, conversions, proofs, report)
