"""tox inline plugin: let tox find interpreters that pyenv installed but did not activate.

pyenv puts *shims* on PATH; a shim for a version that is installed but not selected
(``python3.7`` when the global version is 3.11) exits with an error, so tox cannot
build the Python 3.7 env for TensorFlow 1.15. We append each installed pyenv
version's ``bin`` folder to the *end* of PATH: an interpreter the user already
has on PATH still wins, and machines without pyenv are untouched.

It sits beside ``compare/host/envs/tox.ini`` (the managed envs) and the checkout's ``toxfile.py`` loads it;
``rnncompare envs`` asks it where an env's Python is (:func:`pyenv_bin_dirs`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tox.plugin import impl


def pyenv_bin_dirs() -> list[str]:
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return []
    try:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return []
    versions = Path(root.stdout.strip()) / "versions"
    # Python 3 only: uv inspects every interpreter on PATH when one is missing, and a Python 2
    # there turns "no such interpreter" into an error about the Python 2 instead.
    return sorted(str(p / "bin") for p in versions.glob("3.*") if (p / "bin").is_dir())


@impl
def tox_add_core_config(core_conf, state) -> None:  # noqa: ARG001 - tox hook signature
    path = os.environ.get("PATH", "").split(os.pathsep)
    extra = [d for d in pyenv_bin_dirs() if d not in path]
    if extra:
        os.environ["PATH"] = os.pathsep.join(path + extra)
