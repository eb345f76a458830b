"""What the fuzz tests draw from: any JSON value, every leaf path of a document, a real tf115 artifact
mutated at one place, and the check that a reader gives a valid result or a one-line ``UserError``.
"""

import copy
import json
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from compare.errors import UserError

ARTIFACT = Path(__file__).resolve().parents[1] / "data" / "tiny-tf115.json"


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def one_line_or_valid(call):
    try:
        return call()
    except UserError as exc:
        line = exc.one_line()
        assert line.startswith("error: ") and "\n" not in line
        return None


def leaf_paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, prefix + (index,))


def replaced(document, path, value):
    if not path:
        return value
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


# ---------------------------------------------------------------- artifacts
BASE_TEXT = ARTIFACT.read_text()


BASE_DOC = json.loads(BASE_TEXT)


PATHS = list(leaf_paths(BASE_DOC))


def mutated_document(data, value):
    document = copy.deepcopy(BASE_DOC)
    path = data.draw(st.sampled_from(PATHS))
    if path and path[0] in ("schema", "version") or not path:
        return document  # those are the schema tests' business (tests/test_errors.py)
    return replaced(document, path, value)
