"""``rnncompare envs [--env-dir DIR]``: the TF envs and their state: ``compare.host.envs.describe``.

One block per env: the Python tox asks for and where it is found, the TensorFlow requirement and what
Keras it brings, whether the env exists yet (``rnncompare run`` creates it; a created one shows the
TensorFlow, Keras and numpy it holds), and the remedy when its Python is missing. Exit code 0 when every
env's Python is found, 1 otherwise.
"""

from __future__ import annotations

import argparse

from compare.host import envs
from compare.host.cli.run import add_env_dir

HELP = "list the TF envs: Python (and where found), TensorFlow/Keras, whether created, remedy when missing"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_env_dir(parser)


def run(args: argparse.Namespace) -> int:
    setup = envs.setup(args.env_dir)
    print(
        "envs of {} ({})".format(
            setup.config, "managed, created in " + str(setup.workdir) if setup.managed else "source checkout"
        )
    )
    infos = envs.describe(args.env_dir)
    for info in infos:
        print("{:<14} {:<11} {}".format(info.name, info.python, info.found or "NOT FOUND: " + info.remedy))
        print("{:<14} {}  [{}]".format("", info.tensorflow, info.description))
        print(
            "{:<14} {} {}{}".format(
                "",
                "created:" if info.exists else "not created yet:",
                info.path,
                f" ({info.installed})" if info.installed else "",
            )
        )
    return 0 if all(info.found for info in infos) else 1
