"""compare.measure.stats (with its moments and orthogonality): pooled, per-seed and matrix statistics of
weights drawn over several seeds.

Arrays are built with numpy from their definitions (QR for orthogonal matrices, uniform draws), never
with TensorFlow; these tests run in every env, Python 3.7 + numpy 1.18 included.
"""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compare.measure import moments, orthogonality, stats
from compare.measure.stats import block_stats, sample_indices, summary


def orthonormal(seeds, rows, cols, gain=1.0, seed=0):
    """``seeds`` matrices (rows, cols) with orthonormal columns (rows >= cols) or rows, times gain."""
    rs = np.random.RandomState(seed)
    out = []
    for _ in range(seeds):
        q, _ = np.linalg.qr(rs.standard_normal((max(rows, cols), min(rows, cols))))
        out.append(q if rows >= cols else q.T)
    return gain * np.stack(out)


def test_orthonormal_columns_have_zero_orth_err():
    """A tall matrix with orthonormal columns: QᵀQ = I, so orth_err ~ 0 on the "columns" side, g = 1,
    and every singular value is 1."""
    result = block_stats(orthonormal(3, 50, 20))
    assert result["orth_side"] == "columns"
    assert result["orth_err"] < 1e-12
    assert result["orth_rel_err"] < 1e-12
    assert result["orth_gain"] == pytest.approx(1.0, abs=1e-12)
    assert result["sv_min"] == pytest.approx(1.0, abs=1e-12)
    assert result["sv_max"] == pytest.approx(1.0, abs=1e-12)
    assert result["sv_mean"] == pytest.approx(1.0, abs=1e-12)


def test_orthonormal_rows_use_the_row_gram():
    """A wide matrix with orthonormal rows is measured on QQᵀ (the thin side): orth_side "rows"."""
    result = block_stats(orthonormal(3, 20, 50))
    assert result["orth_side"] == "rows"
    assert result["orth_err"] < 1e-12


def test_gain_two_is_fitted():
    """gain 2 x orthonormal: g² = 4 is fitted from the Gram diagonal, so orth_err stays ~ 0 and
    orth_gain, sv_min and sv_max are 2; the Frobenius norm is 2 sqrt(cols)."""
    result = block_stats(orthonormal(4, 64, 16, gain=2.0))
    assert result["orth_gain"] == pytest.approx(2.0, abs=1e-12)
    assert result["orth_err"] < 1e-11
    assert result["sv_min"] == pytest.approx(2.0, abs=1e-12)
    assert result["sv_max"] == pytest.approx(2.0, abs=1e-12)
    assert result["fro_norm"] == pytest.approx(2.0 * math.sqrt(16), abs=1e-12)


def test_float32_orthogonal_matrix_is_orthogonal_to_float32_precision():
    """Orthogonal weights arrive as float32: their relative orth error is ~1e-7, far below 1e-4."""
    result = block_stats(orthonormal(2, 96, 96).astype(np.float32))
    assert result["orth_rel_err"] < 1e-5


def test_random_matrix_is_far_from_orthogonal():
    """A uniform random (64, 32) matrix: off-diagonal Gram entries are ~1/sqrt(64) of the diagonal,
    so the relative orth error is large (> 0.1)."""
    values = np.random.RandomState(1).uniform(-1, 1, (3, 64, 32))
    assert block_stats(values)["orth_rel_err"] > 0.1


def test_singular_values_match_svd_of_the_first_seed():
    """sv_min / sv_max / sv_mean equal numpy's SVD of the first seed (the others do not count), for
    square, tall and wide float32 matrices."""
    rs = np.random.RandomState(2)
    for shape in [(3, 40, 40), (2, 60, 20), (2, 20, 70)]:
        values = rs.uniform(-1, 1, shape).astype(np.float32)
        sv = np.linalg.svd(values[0].astype(np.float64), compute_uv=False)
        values[1:] *= 3.0  # other seeds' spectra are three times larger: they must not show
        result = block_stats(values)
        assert result["sv_min"] == pytest.approx(sv.min(), rel=1e-6)
        assert result["sv_max"] == pytest.approx(sv.max(), rel=1e-9)
        assert result["sv_mean"] == pytest.approx(sv.mean(), rel=1e-9)


def test_singular_values_can_be_skipped():
    """singular_values=False leaves sv_* None but still measures orthogonality."""
    result = block_stats(orthonormal(2, 30, 10), singular_values=False)
    assert result["sv_min"] is None and result["sv_max"] is None and result["sv_mean"] is None
    assert result["orth_err"] < 1e-12


def test_large_random_matrix_is_disproved_by_its_norms(monkeypatch):
    """A large matrix whose thin side's squared norms spread by >= 1e-2 of their mean is proven not
    orthogonal without its Gram matrix: orth_rel_err is that spread (the Gram diagonal's part of the
    exact figure, so a lower bound of it), orth_gain is exact, and no spectrum is computed. Tall
    (columns) and wide (rows) alike; LARGE_GRAM is lowered so the test stays small."""
    rs = np.random.RandomState(4)
    for rows, cols, axis in [(96, 40, 0), (40, 96, 1)]:
        values = rs.uniform(-1, 1, (2, rows, cols)).astype(np.float32)
        exact = block_stats(values)
        norms = np.sum(values[0].astype(np.float64) ** 2, axis=axis)
        monkeypatch.setattr(orthogonality, "LARGE_GRAM", 40 * 40 * 96)
        large = block_stats(values)
        monkeypatch.undo()
        spread = np.abs(norms - norms.mean()).max()
        assert exact["orth_method"] == "gram" and large["orth_method"] == "norms"
        assert large["orth_err"] == pytest.approx(spread, rel=1e-12)
        assert large["orth_rel_err"] == pytest.approx(spread / norms.mean(), rel=1e-12)
        assert 1e-2 <= large["orth_rel_err"] <= exact["orth_rel_err"]
        assert large["orth_gain"] == pytest.approx(exact["orth_gain"], rel=1e-12)
        assert large["sv_min"] is None and large["sv_max"] is None and large["sv_mean"] is None
        assert exact["sv_max"] is not None


def test_large_orthogonal_matrix_still_gets_its_gram(monkeypatch):
    """Equal norms prove nothing: a large orthogonal matrix is measured on its Gram matrix as before
    (orth_rel_err ~ 0, method "gram"), only its spectrum is skipped."""
    monkeypatch.setattr(orthogonality, "LARGE_GRAM", 32 * 32 * 64)
    result = block_stats(orthonormal(2, 64, 32, gain=2.0))
    assert result["orth_method"] == "gram"
    assert result["orth_rel_err"] < 1e-12
    assert result["orth_gain"] == pytest.approx(2.0, abs=1e-12)
    assert result["sv_max"] is None


def test_one_d_blocks_have_no_matrix_statistics():
    """Biases (S, n) are not matrices: orth_* and sv_* are None."""
    result = block_stats(np.random.RandomState(3).uniform(-1, 1, (4, 12)))
    for key in ("orth_err", "orth_rel_err", "orth_side", "orth_gain", "orth_method", "sv_min", "sv_max", "sv_mean"):
        assert result[key] is None


def test_constant_block():
    """All zeros: constant 0.0, std 0, kurtosis None (undefined); ones: constant 1.0."""
    zeros = block_stats(np.zeros((3, 4, 5), dtype=np.float32))
    assert zeros["constant"] == 0.0
    assert zeros["std"] == 0.0
    assert zeros["kurtosis"] is None
    assert block_stats(np.ones((2, 8)))["constant"] == 1.0


def test_one_different_element_is_not_constant():
    """A single element differing in one seed makes the block non-constant."""
    values = np.ones((3, 8))
    values[2, 5] = 1.0000001
    assert block_stats(values)["constant"] is None


def test_kurtosis_of_uniform_and_normal():
    """Excess kurtosis (Fisher): -1.2 for a uniform, 0 for a normal (200k draws: SE ~0.003 / 0.011)."""
    rs = np.random.RandomState(4)
    assert block_stats(rs.uniform(-3, 3, (8, 25000)))["kurtosis"] == pytest.approx(-1.2, abs=0.02)
    assert block_stats(rs.standard_normal((8, 25000)))["kurtosis"] == pytest.approx(0.0, abs=0.06)


@settings(max_examples=40, deadline=None)
@given(
    seeds=st.integers(1, 5),
    shape=st.lists(st.integers(1, 7), min_size=0, max_size=3),
    loc=st.floats(-3, 3),
    seed=st.integers(0, 2**31 - 1),
)
def test_pooled_moments_equal_numpy_on_all_values(seeds, shape, loc, seed):
    """Pooled mean/std/min/max/abs_max/kurtosis (combined from per-seed central moments) equal numpy
    on all values at once, for any block shape and offset; per-seed lists have one entry per seed."""
    values = loc + np.random.RandomState(seed).standard_normal([seeds] + shape)
    flat = values.ravel()
    result = block_stats(values)
    assert result["count"] == flat.size and result["seeds"] == seeds
    assert result["mean"] == pytest.approx(flat.mean(), abs=1e-12)
    assert result["std"] == pytest.approx(flat.std(), abs=1e-12)
    assert result["min"] == flat.min() and result["max"] == flat.max()
    assert result["abs_max"] == np.abs(flat).max()
    if flat.std() > 1e-6:
        centered = flat - flat.mean()
        expected = (centered**4).mean() / centered.var() ** 2 - 3.0
        assert result["kurtosis"] == pytest.approx(expected, rel=1e-8, abs=1e-8)
    for key in ("mean", "std", "fro_norm"):
        assert len(result["per_seed"][key]) == seeds


def test_per_seed_lists_and_fro_norm():
    """per_seed mean/std/fro_norm are each seed's own numbers; fro_norm is their mean."""
    values = np.random.RandomState(5).uniform(-1, 1, (6, 10, 7))
    result = block_stats(values)
    per = values.reshape(6, -1)
    assert result["per_seed"]["mean"] == pytest.approx(list(per.mean(axis=1)), abs=1e-12)
    assert result["per_seed"]["std"] == pytest.approx(list(per.std(axis=1)), abs=1e-12)
    norms = np.sqrt((per**2).sum(axis=1))
    assert result["per_seed"]["fro_norm"] == pytest.approx(list(norms), abs=1e-12)
    assert result["fro_norm"] == pytest.approx(norms.mean(), abs=1e-12)


def test_chunked_reading_gives_the_same_numbers(monkeypatch):
    """Seeds are read in chunks to bound memory; one seed per chunk gives the same result."""
    values = np.random.RandomState(6).uniform(-1, 1, (5, 30, 20)).astype(np.float32)
    whole = block_stats(values)
    monkeypatch.setattr(moments, "CHUNK_ELEMENTS", 1)
    chunked = block_stats(values)
    for key in ("mean", "std", "kurtosis", "orth_err", "sv_min", "sv_mean", "fro_norm"):
        assert chunked[key] == pytest.approx(whole[key], rel=1e-12, abs=1e-15)
    assert chunked["sample"] == whole["sample"]


def test_sample_indices_are_frozen_across_numpy_versions():
    """The sample's indices come from RandomState(0), whose stream numpy keeps frozen: these exact
    indices hold under numpy 1.18 and numpy 2 (all of range(count) when count <= size)."""
    assert list(sample_indices(10**6, 8)) == [117952, 152315, 305711, 359783, 435829, 882371, 963395, 985772]
    assert list(sample_indices(12, 10)) == [0, 2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert list(sample_indices(5, 10)) == [0, 1, 2, 3, 4]


def test_sample_is_deterministic_float32_and_of_the_asked_size():
    """sample: min(sample_size, count) pooled values, the same on every call, each one a float32 value
    of the array; small blocks give all their values in C order."""
    values = np.random.RandomState(7).standard_normal((4, 50, 30))
    first = block_stats(values, sample_size=100)["sample"]
    assert len(first) == 100
    assert first == block_stats(values.copy(), sample_size=100)["sample"]
    pool = set(float(x) for x in values.astype(np.float32).ravel())
    assert all(x in pool for x in first)
    assert all(float(np.float32(x)) == x for x in first)
    small = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert block_stats(small, sample_size=100)["sample"] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_result_is_plain_json():
    """Every value is a plain JSON type (no numpy scalars, no NaN)."""
    result = block_stats(np.random.RandomState(8).uniform(-1, 1, (2, 6, 4)).astype(np.float32))
    json.dumps(result, allow_nan=False)
    assert type(result["mean"]) is float and type(result["count"]) is int


def test_summary_keeps_its_six_keys_and_agrees_with_block_stats():
    """summary (the forward outputs' statistics) keeps its six keys, and block_stats agrees with them."""
    values = np.random.RandomState(9).uniform(-1, 1, (3, 8, 6))
    short = summary(values)
    assert set(short) == {"count", "mean", "std", "min", "max", "constant"}
    full = block_stats(values)
    for key in short:
        assert full[key] == pytest.approx(short[key], abs=1e-12) if short[key] is not None else full[key] is None


def test_seed_stats_keeps_no_draw_alive():
    """SeedStats measures a draw and lets it go: once the caller drops it, nothing holds it."""
    import weakref

    acc = stats.SeedStats(2, (30, 20))
    draw = np.random.RandomState(10).uniform(-1, 1, (30, 20)).astype(np.float32)
    alive = weakref.ref(draw)
    acc.add(draw)
    del draw
    assert alive() is None
    acc.add(np.zeros((30, 20), dtype=np.float32))
    assert acc.result()["seeds"] == 2


def test_seed_stats_draw_by_draw_equals_the_stack():
    """Adding the seeds one by one gives block_stats of their stack, sample and spectrum included."""
    values = np.random.RandomState(11).standard_normal((4, 24, 9)).astype(np.float32)
    acc = stats.SeedStats(4, (24, 9), sample_size=50)
    for draw in values:
        acc.add(draw.copy())
    assert acc.result() == block_stats(values, sample_size=50)


def test_seed_stats_refuses_a_wrong_shape_an_extra_draw_and_an_early_result():
    acc = stats.SeedStats(1, (3,))
    with pytest.raises(ValueError, match="0 of 1 draws added"):
        acc.result()
    with pytest.raises(ValueError, match="shape"):
        acc.add(np.zeros(4))
    acc.add(np.zeros(3))
    with pytest.raises(ValueError, match="expected 1 draws"):
        acc.add(np.zeros(3))


def test_chunks_inside_one_draw_combine_exactly(monkeypatch):
    """A draw larger than CHUNK_ELEMENTS is read in chunks whose moments are joined (Pébay): chunks of
    7 elements give the one-chunk numbers to rounding, on values far from zero."""
    monkeypatch.setattr(stats, "BATCH_VALUES", 0)  # every draw read on its own
    values = 5.0 + np.random.RandomState(12).standard_normal((3, 40, 11))
    whole = block_stats(values)
    monkeypatch.setattr(moments, "CHUNK_ELEMENTS", 7)
    chunked = block_stats(values)
    for key in ("mean", "std", "kurtosis", "min", "max", "fro_norm"):
        assert chunked[key] == pytest.approx(whole[key], rel=1e-12)
    assert chunked["per_seed"]["std"] == pytest.approx(whole["per_seed"]["std"], rel=1e-12)


@pytest.mark.parametrize("chunk, batch", [(2, 0), (moments.CHUNK_ELEMENTS, 0), (moments.CHUNK_ELEMENTS, 12)])
def test_nonfinite_draws_give_counts_and_null_statistics(monkeypatch, chunk, batch):
    """A NaN and an Inf in the second draw: counted (nan 1, nonfinite 2), every statistic None, no sample,
    whether the draw is read in one chunk, in several, or buffered with the first."""
    monkeypatch.setattr(moments, "CHUNK_ELEMENTS", chunk)
    monkeypatch.setattr(stats, "BATCH_VALUES", batch)
    acc = stats.SeedStats(2, (2, 3))
    acc.add(np.ones((2, 3)))
    acc.add(np.array([[np.nan, 1.0, np.inf], [0.0, 1.0, 2.0]]))
    result = acc.result()
    assert (result["nonfinite"], result["nan"], result["count"]) == (2, 1, 12)
    assert result["mean"] is None and result["orth_err"] is None and result["sample"] == []


def test_moments_joined_from_the_tiling_parts_equal_the_whole(monkeypatch):
    """A variable's moments joined from the blocks that tile it (as the worker does, to read each value
    once per seed) equal those read from the whole array, to rounding."""
    monkeypatch.setattr(stats, "BATCH_VALUES", 0)  # parts measured as they come, so they can be joined
    values = 2.0 + np.random.RandomState(13).standard_normal((3, 10, 12))
    whole = block_stats(values, sample_size=30)
    joined = stats.SeedStats(3, (10, 12), sample_size=30)
    left, right = stats.SeedStats(3, (10, 5)), stats.SeedStats(3, (10, 7))
    for value in values:
        left.add(value[:, :5])
        right.add(value[:, 5:])
        joined.add(value, [left, right])
    result = joined.result()
    for key in ("mean", "std", "kurtosis", "min", "max", "fro_norm", "orth_err", "sv_mean"):
        assert result[key] == pytest.approx(whole[key], rel=1e-12), key
    assert result["sample"] == whole["sample"]
    with pytest.raises(ValueError, match="every part"):
        stats.SeedStats(1, (10, 12)).add(values[0], [stats.SeedStats(1, (10, 12))])


@pytest.mark.parametrize("batch", [2 * 24 * 9, 5 * 24 * 9, 10**6])
def test_buffered_draws_give_the_figures_of_one_draw_at_a_time(monkeypatch, batch):
    """Small draws buffered two, five or all seven at a time (the buffer flushed when full and at
    ``result``) give the figures of draws measured one by one: the same sample and orthogonality,
    moments to rounding."""
    values = 3.0 + np.random.RandomState(14).standard_normal((7, 24, 9)).astype(np.float32)
    monkeypatch.setattr(stats, "BATCH_VALUES", 0)
    alone = block_stats(values, sample_size=40)
    monkeypatch.setattr(stats, "BATCH_VALUES", batch)
    buffered = stats.SeedStats(7, (24, 9), sample_size=40)
    assert buffered.batch is not None and len(buffered.batch) == min(7, batch // (24 * 9))
    for draw in values:
        buffered.add(draw)
    result = buffered.result()
    assert result["sample"] == alone["sample"] and len(result["sample"]) == 40
    for key in ("orth_err", "orth_rel_err", "sv_min", "sv_max", "constant", "min", "max"):
        assert result[key] == alone[key], key
    for key in ("mean", "std", "kurtosis", "fro_norm"):
        assert result[key] == pytest.approx(alone[key], rel=1e-12), key
    for key in ("mean", "std", "fro_norm"):
        assert result["per_seed"][key] == pytest.approx(alone["per_seed"][key], rel=1e-12), key


@pytest.mark.parametrize("offset", [0.0, 0.3, 50.0])
def test_chunk_moments_equal_the_centred_sums(offset):
    """A chunk's central power sums equal numpy's centred ones to rounding, whether read from the power
    sums about zero (mean within one std of zero: offsets 0 and 0.3 on a std of 0.58) or centred first
    (offset 50)."""
    x = offset + np.random.RandomState(15).uniform(-1, 1, 4096)
    d = x - x.mean()
    expected = [x.mean(), (d**2).sum(), (d**3).sum(), (d**4).sum()]
    got = moments._chunk_moments(x.copy(), np.empty_like(x))
    scale = [abs(x.mean()), expected[1], x.size * d.std() ** 3, expected[3]]
    for value, want, size in zip(got, expected, scale):
        assert value == pytest.approx(want, abs=1e-12 * size)
