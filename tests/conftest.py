"""Test markers: ``tf`` tests run inside the tox TF envs (real TensorFlow, never a mock);
``host`` tests need the host-only libraries (scipy, rich, matplotlib). Unmarked tests run
everywhere, so the in-env code is also tested on Python 3.6 + numpy 1.19 (tf11) and 3.7 + numpy 1.18
(tf115)."""
import os

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "host: needs host-only libraries (runs in tests-host)")


@pytest.fixture(scope="session")
def env_name():
    """The tox env under test (tf11, tf115, tf215, tf221, tf221-legacy); TF tests need one."""
    name = os.environ.get("RNNCOMPARE_ENV")
    if not name:
        pytest.fail("RNNCOMPARE_ENV is not set: run TF tests through tox (tox -m test)")
    return name
