"""The artifact contract: atomic writes, no pickles, and a loader that refuses what it does not know."""

import json
from pathlib import Path

import numpy as np
import pytest

from compare import artifact
from compare.errors import UserError

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny-tf115.json"  # a version-1 artifact


def test_round_trip_json_and_npz(tmp_path):
    """What is written is read back: schema/version stamped, arrays exact, JSON-unsafe values made safe."""
    out = tmp_path / "sub" / "env.json"
    artifact.write(
        out,
        {"env": {"name": "x"}, "value": np.float32(0.5), "bad": float("nan")},
        {"s/r/v": np.arange(6, dtype=np.float32).reshape(2, 3)},
    )
    doc = artifact.load(out)
    assert doc["schema"] == "rnncompare/artifact" and doc["version"] == artifact.VERSION
    assert doc["value"] == 0.5 and doc["bad"] == "nan"
    np.testing.assert_array_equal(artifact.arrays(out)["s/r/v"], np.arange(6).reshape(2, 3))
    assert sorted(p.name for p in out.parent.iterdir()) == ["env.json", "env.npz"]


def test_failed_write_leaves_previous_files_and_no_temporaries(tmp_path, monkeypatch):
    """A write that fails midway keeps the old artifact and leaves no temporary file behind."""
    out = tmp_path / "env.json"
    artifact.write(out, {"n": 1}, {})

    def half_write(handle, **_arrays):
        handle.write(b"PK partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", half_write)
    with pytest.raises(KeyboardInterrupt):
        artifact.write(out, {"n": 2}, {"x": np.zeros(3)})
    assert artifact.load(out)["n"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["env.json", "env.npz"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{", "is not valid JSON"),
        (json.dumps({"schema": "other"}), "is not an rnncompare artifact"),
        (json.dumps({"schema": "rnncompare/artifact", "version": 999}), "schema version 999"),
    ],
)
def test_loader_refuses_what_it_does_not_understand(tmp_path, content, message):
    path = tmp_path / "a.json"
    path.write_text(content)
    with pytest.raises(UserError, match=message):
        artifact.load(path)


def test_object_arrays_are_refused_rather_than_pickled(tmp_path):
    with pytest.raises(ValueError, match="object arrays need pickles"):
        artifact.write(tmp_path / "a.json", {}, {"x": np.array([object()])})
    assert list(tmp_path.iterdir()) == []


def test_missing_npz_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="has no a.npz beside it"):
        artifact.arrays(tmp_path / "a.json")


def test_load_folder_skips_rnncompare_outputs_but_refuses_foreign_json(tmp_path):
    """report.json and diff JSON beside the artifacts are rnncompare's own outputs: skipped.
    Any other JSON there is not silently ignored."""
    artifact.write(tmp_path / "tf115.json", {"env": {"name": "tf115"}, "scenarios": {}}, {})
    (tmp_path / "report.json").write_text(json.dumps({"schema": "rnncompare/report", "version": 1}))
    (tmp_path / "diff.json").write_text(json.dumps({"schema": "rnncompare/diff", "version": 1}))
    found = artifact.read_folder(tmp_path)
    assert list(found) == ["tf115"] and found["tf115"].path.name == "tf115.json"
    (tmp_path / "notes.json").write_text("{}")
    with pytest.raises(UserError, match="notes.json is not an rnncompare artifact"):
        artifact.read_folder(tmp_path)


def test_encode_inserts_encoded_parts_verbatim_and_reads_back_like_jsonable():
    """A pre-encoded scenario is inserted as it is; numpy scalars, tuples and NaN/Inf come out as
    ``jsonable`` makes them (NaN and Inf as their repr strings, numpy scalars as numbers)."""
    part = artifact.encode({"stats": {"mean": np.float32(0.5), "shape": (2, 3)}})
    assert part == '{"stats":{"mean":0.5,"shape":[2,3]}}'
    document = {"env": {"name": "e"}, "scenarios": {"a": part, "b": {"value": float("inf"), "n": np.int64(3)}}}
    text = artifact.encode(document)
    assert json.loads(text) == {
        "env": {"name": "e"},
        "scenarios": {"a": {"stats": {"mean": 0.5, "shape": [2, 3]}}, "b": {"value": "inf", "n": 3}},
    }
    assert artifact.encode(part) is part


def test_samples_are_stored_as_float32_base64_and_read_back_as_lists(tmp_path):
    """A sample written packed (4 bytes a value) loads as the same list of floats; a version-1 artifact's
    plain list is read as it is; damaged base64 is one error naming the place."""
    document = artifact.load(TINY)
    route = next(r for s in document["scenarios"].values() for r in s["routes"].values() if r["status"] == "ok")
    key = next(iter(route["blocks"]))
    sample = [0.1, -2.5, 3.0e-8]
    route["blocks"][key]["stats"]["sample"] = artifact.pack_floats(sample)
    out = tmp_path / "env.json"
    artifact.write(out, document, {})
    assert '"base64"' in out.read_text()

    def stored_sample(doc):
        return next(r for s in doc["scenarios"].values() for r in s["routes"].values() if r["status"] == "ok")[
            "blocks"
        ][key]["stats"]["sample"]

    read = next(r for _, _, r in artifact.read(out).ok_routes())
    assert list(read.blocks[key].stats.sample) == np.asarray(sample, dtype=np.float32).tolist()
    old = json.loads(out.read_text())
    old["version"] = 1
    stored = stored_sample(old)
    stored.clear()
    stored.update({"dtype": "float32", "base64": "%%"})
    out.write_text(json.dumps(old))
    with pytest.raises(UserError, match=r"\.stats\.sample holds invalid base64"):
        artifact.load(out)


def test_reader_hands_out_typed_records_and_leaves_the_document_as_it_was():
    """read() validates once and returns frozen records; the JSON document it read is not changed."""
    import copy

    document = artifact.load(TINY)
    before = copy.deepcopy(document)
    art = artifact.from_document(document, str(TINY), TINY)
    assert document == before
    scenario, route_name, route = next(art.ok_routes())
    block = next(iter(route.blocks.values()))
    assert art.name == "tf115" and route.family in ("tf1_gru", "tf1_lstm", "keras_gru", "keras_lstm")
    assert isinstance(block.shape, tuple) and block.stats.count == int(np.prod(block.shape)) * block.stats.draws
    with pytest.raises(AttributeError):
        block.stats.std = 0.0  # frozen


def test_an_ok_route_of_an_unknown_family_is_refused_naming_the_place():
    document = artifact.load(TINY)
    name, entry = next(iter(document["scenarios"].items()))
    route = next(r for r in entry["routes"] if entry["routes"][r]["status"] == "ok")
    entry["routes"][route]["family"] = "tf9_gru"
    with pytest.raises(UserError, match=rf"scenarios\.{name}\.routes\.{route}\.family must be one of tf1_gru"):
        artifact.check(document)


def test_first_seed_gives_one_routes_arrays_reading_the_npz_once_per_artifact(monkeypatch):
    """Each route's raw values by variable name; the .npz is read (and checked) on the first call only,
    and an artifact made in memory has none."""
    from compare.artifact import reading

    art = artifact.read(TINY)
    reads = []
    monkeypatch.setattr(reading, "arrays", lambda path, art: reads.append(path) or artifact.arrays(path, art))
    for scenario, route_name, route in art.ok_routes():
        values = artifact.first_seed(art, scenario, route_name)
        assert set(route.variables) <= set(values)
        assert all(values[name].shape == v.shape for name, v in route.variables.items())
    assert len(reads) == 1
    assert artifact.first_seed(art, "no such scenario", "tf1") == {}
    assert artifact.first_seed(artifact.from_document(artifact.load(TINY)), scenario, route_name) is None
    held = len(reading._FIRST_SEEDS)
    del art
    assert len(reading._FIRST_SEEDS) == held - 1  # the arrays go with their artifact
