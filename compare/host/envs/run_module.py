"""Run one in-env module in one tox TF env and hand back how it went (``inspect`` and ``convert`` use it).

The env is the one ``rnncompare run`` uses (``compare.host.envs``: a checkout's own tox envs, or the envs
rnncompare manages; created on first use, reused after), its Python, packages and variables as its
tox.ini sets them; only the command differs: ``python -m MODULE ARGS``. The module writes
what it finds to files named in ARGS (tox's own lines share its stdout) and reports bad input as one
``error: ...`` line on stderr with exit code 2, as every rnncompare command does.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Union

from compare.errors import UserError
from compare.host import runner


@dataclass(frozen=True)
class EnvRun:
    """One finished run of a module in an env: its exit code and what it printed."""

    env: str
    module: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def user_error(self) -> Optional[str]:
        """The module's own one-line refusal of its input (exit code 2), without its ``error: `` prefix."""
        if self.returncode != 2:
            return None
        lines = [line for line in self.stderr.splitlines() if line.startswith("error: ")]
        return lines[-1][len("error: ") :] if lines else None


def module_command(env: str, module: str, args: Sequence[Union[str, Path]]) -> List[str]:
    """``tox run -e ENV`` with the env's command replaced by ``python -m MODULE {posargs}``."""
    setup = runner.env_setup()
    runner.check_envs([env], setup)
    return (
        [sys.executable, "-m", "tox", "run", "-q"]
        + setup.tox_args()
        + ["-e", env, "-x", f"testenv.commands=python -m {module} {{posargs}}", "--"]
        + [str(a) for a in args]
    )


def run_module(env: str, module: str, args: Sequence[Union[str, Path]], timeout: Optional[float] = None) -> EnvRun:
    """Run ``python -m MODULE ARGS`` in ``env``; UserError when the env cannot be made (its Python missing)
    or the module refuses its input (exit 2: its own line is the cause)."""
    done = subprocess.run(
        module_command(env, module, args),
        cwd=str(runner.env_setup().config.parent),
        env=runner.tox_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    code = runner.worker_exit(done.stdout.splitlines())  # tox itself exits 1 whatever the module's code
    run = EnvRun(env, module, done.returncode if code is None else code, done.stdout, done.stderr)
    if runner.NO_INTERPRETER.search(done.stdout + done.stderr):
        raise UserError(
            f"tox could not find the Python of env {env}",
            "install it, e.g. `pyenv install 3.7` for tf115; see README 'The environments'",
        )
    if run.user_error is not None:
        raise UserError(*_cause_and_hint(run.user_error))
    return run


def _cause_and_hint(line: str) -> tuple:
    """Split ``cause (hint: hint)`` back into the two parts of a UserError."""
    cause, marker, hint = line.partition(" (hint: ")
    return (cause, hint[:-1]) if marker and hint.endswith(")") else (line, "")
