"""Markers by folder, and the fixtures every folder shares.

The folder decides where a test runs: ``tests/core`` (numpy only) runs everywhere, in every framework env's
Python and numpy and on the host; ``tests/frameworks`` needs a real framework and runs inside the tox
framework envs (marked ``tf``): a module there needs TensorFlow unless its ``NEEDS`` names another
framework (``NEEDS = "torch"``), and its tests are skipped, saying so, in the envs without it; ``tests/host`` needs the host libraries (scipy, rich, tox, a browser) and runs in
tests-host (marked ``host``). ``slow`` stays explicit: tests that drive real tox envs or build the wheel.
Plain ``pytest`` runs the fast set (``not tf and not slow``, pyproject.toml); ``tox -m test`` runs all.
"""

import importlib.util
import os
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FOLDER_MARKS = {"frameworks": pytest.mark.tf, "host": pytest.mark.host}


def _missing_framework(item):
    """Why a tests/frameworks test cannot run in this env (its module's ``NEEDS`` is not installed), or ''."""
    needs = getattr(item.module, "NEEDS", "tensorflow")
    if importlib.util.find_spec(needs) is not None:
        return ""
    return "needs {}, which this env ({}) does not have".format(needs, os.environ.get("RNNCOMPARE_ENV", "local"))


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items):
    for item in items:
        folder = Path(str(item.fspath)).resolve().relative_to(TESTS).parts[0]
        if folder in FOLDER_MARKS:
            item.add_marker(FOLDER_MARKS[folder])
        if folder == "frameworks" and _missing_framework(item):
            item.add_marker(pytest.mark.skip(reason=_missing_framework(item)))


@pytest.fixture(scope="session")
def env_name():
    """The tox env under test (tf11, ..., tf221-legacy, k3-jax, k3-torch); framework tests need one."""
    name = os.environ.get("RNNCOMPARE_ENV")
    if not name:
        pytest.fail("RNNCOMPARE_ENV is not set: run TF tests through tox (tox -m test)")
    return name
