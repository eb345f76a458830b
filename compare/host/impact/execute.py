"""Run the impact path's two in-env steps: each env's worker exports its routes' draws, the tf221 trainer trains.

Both run through the env's tox definition (``compare.host.envs.run_module``'s command), with their
progress lines (``[ENV] draws ...``, ``[impact] ARM seed K ...``) passed on as they come.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

from compare.errors import UserError
from compare.host import runner
from compare.host.envs.run_module import module_command

TRAINER_ENV = "tf221"
Notify = Callable[[str], None]


def _stream(env: str, module: str, args: Sequence[str], notify: Notify) -> None:
    """``python -m MODULE ARGS`` in ``env``; its progress lines to ``notify``; UserError when it fails."""
    process = subprocess.Popen(
        module_command(env, module, args),
        cwd=str(runner.env_setup().config.parent),
        env=runner.tox_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: List[str] = []
    assert process.stdout is not None
    try:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith(("[impact]", f"[{env}] draws")):
                notify(line.rstrip("\n"))
        process.wait()
    finally:
        if process.poll() is None:  # interrupted: the env's process does not outlive the verb
            process.terminate()
            process.wait()
    code = runner.worker_exit(lines)
    code = process.returncode if code is None else code
    if runner.NO_INTERPRETER.search("\n".join(lines)):
        raise UserError(f"tox could not find the Python of env {env}", "see README 'The environments'")
    if code != 0:
        errors = [x for x in lines if x.startswith("error: ") or "Error" in x]
        raise UserError(
            f"{module} failed in env {env} (exit {code}): {errors[-1] if errors else 'see its output'}",
            "rerun with one arm to see the env's full output",
        )


def export_draws(
    wanted: Dict[str, Dict[str, List[str]]], scenarios: str, seeds: int, folder: Path, parallel: int, notify: Notify
) -> Dict[str, Path]:
    """``wanted``: env -> route -> scenario names. Each env's worker writes ``folder/ENV.npz`` (every env
    at once, up to ``parallel``); returns env -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {env: (folder / f"{env}.npz").resolve() for env in wanted}

    def one(env: str) -> None:
        routes = sorted(wanted[env])
        names = sorted({s for r in routes for s in wanted[env][r]})
        args = ["--export-draws", str(seeds), "--out", str(paths[env]), "--routes", ",".join(routes)]
        args += (["--scenarios", scenarios] if scenarios else []) + [a for n in names for a in ("--only", n)]
        _stream(env, "backends.worker", args, notify)

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        list(pool.map(one, sorted(wanted)))
    return paths


def train(job: Dict[str, Any], folder: Path, parallel: int, notify: Notify) -> Dict[str, Any]:
    """Every (arm, seed) of ``job`` in ``parallel`` trainer processes; their runs merged."""
    folder.mkdir(parents=True, exist_ok=True)
    job_path = (folder / "job.json").resolve()
    job_path.write_text(json.dumps(job, indent=1), encoding="utf-8")
    parts = max(1, min(parallel, len(job["arms"]) * len(job["seeds"])))
    outs = [(folder / f"runs-{i}.json").resolve() for i in range(parts)]

    def one(i: int) -> None:
        args = ["--job", str(job_path), "--out", str(outs[i]), "--part", f"{i}/{parts}"]
        _stream(TRAINER_ENV, "backends.training.train", args, notify)

    with ThreadPoolExecutor(max_workers=parts) as pool:
        list(pool.map(one, range(parts)))
    merged: Dict[str, Any] = {"runs": []}
    for out in outs:
        part = json.loads(out.read_text(encoding="utf-8"))
        merged["runs"] += part["runs"]
        merged["env"], merged["task"] = part["env"], part["task"]
        out.unlink()
    return merged
