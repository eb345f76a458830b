"""Streaming statistics in real TensorFlow (runs inside each tox TF env): the worker measures each draw
as it is made and drops it; what it writes equals statistics computed at once, with numpy, on the
stack of all draws (drawn again from the same seeds)."""

import dataclasses

import numpy as np
import pytest

from backends import worker
from backends.routes.base import Weight
from compare import artifact
from compare.core import layout
from compare.core.scenarios import load_scenarios
from compare.measure.stats import sample_indices

SEEDS = 5
SAMPLE = 2048


def tiny(name):
    """A built-in scenario at 5 seeds and a few units, so the test is quick."""
    scenario = next(s for s in load_scenarios(None) if s.name == name)
    return dataclasses.replace(scenario, units=6, input_dim=10, seeds=SEEDS)


def stacked_draws(route, scenario):
    """Every draw of the route, stacked: Weight records whose values have the seeds axis first."""
    built = route.build(scenario)
    try:
        draws = [
            [Weight(w.name, w.layer, w.direction, w.param, w.value.copy()) for w in d]
            for d in built.draws(scenario.seeds)
        ]
        family, config = built.family, built.config()
    finally:
        built.close()
    weights = [
        Weight(w.name, w.layer, w.direction, w.param, np.stack([d[i].value for d in draws]))
        for i, w in enumerate(draws[0])
    ]
    return family, config, weights


def one_shot(values):
    """The statistics the artifact holds, from all draws at once (numpy on the whole stack)."""
    per_seed = values.astype(np.float64).reshape(len(values), -1)
    flat = per_seed.ravel()
    centered = flat - flat.mean()
    return {
        "mean": flat.mean(),
        "std": flat.std(),
        "min": flat.min(),
        "max": flat.max(),
        "kurtosis": (centered**4).mean() / centered.var() ** 2 - 3.0 if centered.var() > 0 else None,
        "fro_norm": np.linalg.norm(per_seed, axis=1).mean(),
        "per_seed": {
            "mean": per_seed.mean(axis=1),
            "std": per_seed.std(axis=1),
            "fro_norm": np.linalg.norm(per_seed, axis=1),
        },
        "sample": values.ravel()[sample_indices(values.size, SAMPLE)].astype(np.float32),
    }


def assert_streamed_equals(stats, values, sampled=True):
    """``stats`` (the typed record the artifact reader hands out) equals numpy on the whole stack."""
    expected = one_shot(values)
    for key in ("mean", "std", "min", "max", "fro_norm", "kurtosis"):
        if expected[key] is None:
            assert getattr(stats, key) is None, key
        else:
            np.testing.assert_allclose(getattr(stats, key), expected[key], rtol=1e-9, atol=1e-12, err_msg=key)
    for key, series in expected["per_seed"].items():
        np.testing.assert_allclose(getattr(stats.per_seed, key), series, rtol=1e-9, atol=1e-12, err_msg=key)
    if sampled:
        np.testing.assert_array_equal(np.asarray(stats.sample, dtype=np.float32), expected["sample"])
    assert stats.count == values.size and stats.seeds == SEEDS


@pytest.mark.parametrize("overlap", ["in line", "on a second thread"])
@pytest.mark.parametrize("name", ["seed-bilstm-orthogonal", "defaults-gru"])
@pytest.mark.parametrize("route_name", ["tf1", "keras"])
def test_streamed_statistics_equal_the_whole_stack(route_name, name, overlap, tmp_path, monkeypatch):
    """Every variable, block and effective bias the worker wrote (draws streamed, measured in line or,
    as large draws are, on a second thread while the next is drawn) equals numpy on the stack of the
    same draws (variables store no sample); singular values are the first seed's, as numpy's SVD
    gives them."""
    if overlap == "on a second thread":
        monkeypatch.setattr(worker, "OVERLAP_VALUES", 0)
    route = worker._routes(route_name)[0]
    if route.unavailable_reason() is not None:
        pytest.skip(f"{route_name} is unavailable in this env")
    scenario = tiny(name)
    entry = worker.run_route(route, scenario, {})
    if entry["status"] == "unavailable":  # e.g. TF 1.1's Keras has no Bidirectional
        pytest.skip(entry["reason"])
    assert entry["status"] == "ok", entry.get("reason")
    entry = artifact.encode(entry)  # samples as the artifact stores them, unpacked by the loader below
    family, config, weights = stacked_draws(route, scenario)
    options = worker._cell_options(family, config)
    blocks = layout.split(family, weights, scenario.units, options.get("num_proj"))
    written = artifact_routes(tmp_path, scenario, route_name, entry)
    assert sorted(written.blocks) == sorted(blocks)
    for w in weights:
        assert_streamed_equals(written.variables[w.name].stats, w.value, sampled=False)
    for key, block in blocks.items():
        assert_streamed_equals(written.blocks[key].stats, block.value)
    recurrent = f"l0/fw/{layout.GATES[scenario.cell][0]}/recurrent"
    stats, first = written.blocks[recurrent].stats, blocks[recurrent].value[0]
    singular = np.linalg.svd(first.astype(np.float64), compute_uv=False)
    np.testing.assert_allclose([stats.sv_min, stats.sv_max], [singular.min(), singular.max()], rtol=1e-6)
    biases = layout.effective_biases(family, blocks, options.get("forget_bias", 0.0))
    assert sorted(written.effective_bias) == sorted(biases)
    for key, value in biases.items():
        assert_streamed_equals(written.effective_bias[key].stats, value)


def artifact_routes(tmp_path, scenario, route_name, entry):
    """The route as the artifact reader hands it back (typed records, samples unpacked)."""
    out = tmp_path / "a.json"
    document = {
        "env": {"name": "t"},
        "complete": True,
        "scenarios": {
            scenario.name: {"spec_hash": scenario.spec_hash, "spec": scenario.to_dict(), "routes": {route_name: entry}}
        },
    }
    artifact.write(out, document, {})
    return artifact.read(out).route(scenario.name, route_name)
