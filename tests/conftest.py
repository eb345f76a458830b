"""Shared fixtures. The markers (``tf``, ``host``, ``slow``) are registered in pyproject.toml: ``tf`` tests
run inside the tox TF envs (real TensorFlow, never a mock); ``host`` tests need the host-only libraries
(scipy, rich, matplotlib); ``slow`` tests drive real tox TF envs. Unmarked tests run everywhere, so the
in-env code is also tested on every env's Python and numpy (3.6 + numpy 1.19 in tf11, 3.7 + numpy 1.18
in tf115)."""
import os

import pytest


@pytest.fixture(scope="session")
def env_name():
    """The tox env under test (tf11, tf115, tf215, tf221, tf221-legacy); TF tests need one."""
    name = os.environ.get("RNNCOMPARE_ENV")
    if not name:
        pytest.fail("RNNCOMPARE_ENV is not set: run TF tests through tox (tox -m test)")
    return name
