"""The boundary the architecture draws: in-env code needs no host library, host code never loads TensorFlow.

A module's folder says its side: ``compare/host/`` (and ``compare/__main__.py``) runs only on the host;
everything else in ``compare/`` and ``backends/`` runs inside the framework envs. In-env modules must
import on every env's Python and numpy with the host libraries made unimportable, and without importing a
framework (``backends/`` loads it lazily); the worker loads in-env modules only; host modules import with
TensorFlow and Keras made unimportable. Each check
runs in a fresh interpreter, so nothing this test process imported can hide a dependency. This file runs
in every tox env (the TF envs and the host).
"""

from tests.helpers.boundary import FRAMEWORKS, HOST_LIBRARIES, PROJECT, loaded_after_import, modules


def test_the_sides_are_the_folders():
    """The worker, the statistics and the routes are in-env; the diff, the CLI and the env management are
    host: a path alone tells which Python and libraries a line may use."""
    in_env, host = set(modules("in-env")), set(modules("host"))
    assert {
        "backends.worker",
        "backends.routes.tf1",
        "compare.measure.stats",
        "compare.core.families",
        "compare.artifact.reading",
    } <= in_env
    assert {"compare.host.diff", "compare.host.cli", "compare.host.envs", "compare.host.runner"} <= host
    assert not in_env & host


def test_in_env_modules_import_without_host_libraries_or_a_framework():
    loaded = loaded_after_import(modules("in-env"), HOST_LIBRARIES + FRAMEWORKS)
    assert not {m.split(".")[0] for m in loaded} & set(HOST_LIBRARIES + FRAMEWORKS)


def test_the_worker_loads_in_env_modules_only():
    loaded = loaded_after_import(
        ["backends.worker"] + [m for m in modules("in-env") if m.startswith("backends.")], HOST_LIBRARIES + FRAMEWORKS
    )
    project = {m for m in loaded if m.split(".")[0] in PROJECT}
    assert project and project <= set(modules("in-env"))
