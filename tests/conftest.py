"""Markers by folder, and the fixtures every folder shares.

The folder decides where a test runs: ``tests/core`` (numpy only) runs everywhere, in every framework env's
Python and numpy and on the host; ``tests/frameworks`` needs a real TensorFlow and runs inside the tox
TF envs (marked ``tf``); ``tests/host`` needs the host libraries (scipy, rich, tox, a browser) and runs in
tests-host (marked ``host``). ``slow`` stays explicit: tests that drive real tox envs or build the wheel.
Plain ``pytest`` runs the fast set (``not tf and not slow``, pyproject.toml); ``tox -m test`` runs all.
"""

import os
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FOLDER_MARKS = {"frameworks": pytest.mark.tf, "host": pytest.mark.host}


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items):
    for item in items:
        folder = Path(str(item.fspath)).resolve().relative_to(TESTS).parts[0]
        if folder in FOLDER_MARKS:
            item.add_marker(FOLDER_MARKS[folder])


@pytest.fixture(scope="session")
def env_name():
    """The tox env under test (tf11, tf115, tf215, tf221, tf221-legacy); TF tests need one."""
    name = os.environ.get("RNNCOMPARE_ENV")
    if not name:
        pytest.fail("RNNCOMPARE_ENV is not set: run TF tests through tox (tox -m test)")
    return name
