"""Host-only tests: they need scipy, rich, matplotlib, tox or a browser, so the TF envs never collect
this folder (tox runs them there with --ignore=tests/host); every test here is marked ``host``."""
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/host/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.host)
