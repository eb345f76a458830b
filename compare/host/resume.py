"""Whether an env's artifact from an earlier ``rnncompare run`` into the same folder can stand for this run.

An artifact is reused, and its env's worker not run again, when all of these hold:

* it is complete (``"complete": true``: the worker finished every scenario);
* it holds exactly this run's scenarios of that env, each with the same ``spec_hash``;
* its env reports the TensorFlow, Keras, JAX, Flax, PyTorch, numpy and Python versions installed in the env now;
* the runner stamped it (``DIR/.resume/ENV.json``) when it was published, with the digest of the in-env code
  now (``compare``, ``backends``): code edited since means the measurements may differ.

``--fresh`` skips the check. Anything unreadable means "run it again", never an error: reuse is only a saving.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Mapping, Optional

from compare import artifact
from compare.artifact import atomic_write
from compare.errors import UserError
from compare.host.envs import code_digest, installed_versions

STAMPS = ".resume"


def stamp_path(path: Path) -> Path:
    return path.parent / STAMPS / path.name


def stamp(path: Path) -> None:
    """Record that ``path`` was published by the runner, with the in-env code that measured it."""
    text = json.dumps({"code": code_digest()})
    atomic_write(stamp_path(path), lambda handle: handle.write(text.encode("utf-8")))


def unstamp(path: Path) -> None:
    stamp_path(path).unlink(missing_ok=True)


def _stamped(path: Path) -> bool:
    try:
        return json.loads(stamp_path(path).read_text(encoding="utf-8")).get("code") == code_digest()
    except (OSError, ValueError, AttributeError):
        return False


def _python(env_path: Path) -> str:
    """The env's Python version from its ``pyvenv.cfg`` (uv: ``3.12.3``; virtualenv: ``3.7.17.final.0``)."""
    try:
        for line in (env_path / "pyvenv.cfg").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "version_info":
                return ".".join(value.strip().split(".")[:3])
    except OSError:
        pass
    return ""


def _installed(env_path: Path) -> Dict[str, str]:
    pairs = (item.split(" ", 1) for item in installed_versions(env_path).split(", ") if " " in item)
    return {name: version for name, version in pairs}


def reusable(path: Path, scenarios: Mapping[str, str], env_path: Path) -> Optional[artifact.Artifact]:
    """The artifact at ``path`` when it can stand for a run of ``scenarios`` (name -> spec_hash) in the
    env at ``env_path`` (see the module docstring), else None."""
    if not path.exists() or not _stamped(path):
        return None
    try:
        found = artifact.read(path)
    except UserError:
        return None
    if found.complete is not True or {n: s.spec_hash for n, s in found.scenarios.items()} != dict(scenarios):
        return None
    installed = _installed(env_path)
    tensorflow = installed.get("tensorflow") or installed.get("tensorflow-cpu") or ""
    if tensorflow != found.env.tensorflow or installed.get("numpy") != found.env.numpy:
        return None
    others = ", ".join(f"{name} {installed[name]}" for name in sorted(installed) if name in ("jax", "flax", "torch"))
    if others != found.env.frameworks:
        return None
    if _python(env_path) != found.env.python:
        return None
    kerases = [installed[k] for k in ("keras", "tf-keras") if k in installed]
    if kerases and "bundled" not in found.env.keras and not any(v in found.env.keras for v in kerases):
        return None
    return found
