"""Cross-environment diff: does route B initialize each canonical block like route A? (host only)

    diff_paths(a.json, b.json, a_route=None, b_route=None, thresholds=Thresholds()) -> DiffResult
    diff_dir(directory, baseline=None, thresholds=Thresholds())   (default: default_baseline) -> DiffResult
    diff(a: Artifact, b: Artifact, pairs, thresholds) -> DiffResult      (the core, on typed artifacts)

Modules: ``results`` (thresholds, rows, the result and its JSON), ``significance`` (the tests and their
correction), ``blocks`` (one block's row), ``structure`` (the first seed: all gates of a part, the whole
cell, copies), ``config`` (the config row, read through the family registry), ``engine`` (scenarios,
route pairs, baselines).

Every scenario both artifacts share (same ``spec_hash``, else UserError) is compared, for every pair of
routes asked for, block by block (``l{layer}/{fw|bw}/{gate}/{part}``), plus one ``config`` row per
scenario and pair and, when the ``.npz`` of first-seed values is beside both artifacts, one row per
``l{layer}/{dir}/*/{kernel|recurrent}``: all gates' kernel (or recurrent) blocks side by side.

Method, per block present on both sides
---------------------------------------
``shape_mismatch``
    the block shapes differ (e.g. layer 2 of Keras ``Bidirectional`` "layers" stacking sees 2*units).
``constant_mismatch``
    either side is constant (``stats.constant``) and the other is not, or both are constants that
    differ beyond float32 tolerance (``np.isclose(a, b, rtol, atol)``). Bias blocks are judged on the
    bias the gate really sees (``effective_bias``): stored biases that differ while the effective ones
    agree (TF1 LSTM ``forget_bias=1.0`` added at run time vs Keras ``unit_forget_bias`` storing 1.0)
    give the informational ``effective_bias_same`` instead.
``scale_mismatch``
    Welch's t-test on the log of the per-seed standard deviations (``per_seed.std``; seeds are the
    independent units, elements within one draw are not). Seeds whose per-seed (mean, std, fro_norm)
    repeat exactly are copies and count once (a route that repeats its draws is noted); a side left
    with one distinct draw uses the sampling variance of a std, (kurtosis + 2) / (4 n), in a z-test.
    Effect = ratio of the pooled stds. Flagged
    when the corrected p < ``alpha`` AND ``max(r, 1/r) - 1 >= scale_floor``.
``distribution_mismatch``
    two-sample Kolmogorov-Smirnov test on the distinct values of the stored ``sample`` of pooled values
    (location, scale and shape at once; repeated values are copies of a repeated draw), effect = KS D.
    Flagged when corrected p < ``alpha`` AND D >= ``ks_floor``.
``orthogonality_mismatch``
    one side orthogonal (``orth_rel_err <= orth_tol``), the other clearly not (``>= orth_far``); the gap
    between the two keeps float noise from flapping a verdict. Judged for every block and, from the
    first seed's raw values (cut into blocks by ``compare.core.layout``), for the matrix of all gates of one
    part: Keras' recurrent kernel is orthogonal as a whole (units, G*units) while none of its gate
    blocks is; the TF1 scope initializer makes [x; h] orthogonal, so the recurrent rows are not.
``joint_orthogonality_mismatch`` (the ``l{k}/{dir}/*/cell`` row)
    the whole cell, as the fused [x; h] x gates matrix of the first seed: one side's input and recurrent
    rows are mutually orthogonal (coupling ``σmax(X Hᵀ) / (σmax(X) σmax(H)) <= orth_tol``), the other's
    clearly not (``>= orth_far``); the row also judges the whole matrix's orthogonality.
``tied_weights``
    in the first seed, the block equals another block of its route exactly (constants aside) on one side
    only, or copies another block there: the weights start tied (one seeded initializer object).
``repeated_draws``
    one side gives several seeds the very same draw of a random block, the other draws afresh.
``fingerprint_mismatch`` (informational)
    the best-fitting initializer (name, over_shape) differs and neither is among the other's ties. It
    is a label inferred from the data, and two labels often predict the very same values (glorot over
    (in+u, 2u) and over (in, 3u)), so on its own it does not make a block differ; next to a measured
    difference it says where that difference comes from.
``missing_block``
    a block (or a whole route: unavailable, error) exists on one side only -> verdict ``missing``. A
    ``recurrent_bias`` on one side only (PyTorch's ``bias_hh``, Keras ``reset_after`` GRU, the cuDNN
    layers) of a gate whose recurrent term the reset gate does not scale gets no row: that gate sees
    bias + recurrent_bias alone, which its bias row compares as the effective bias.
``config_mismatch`` (the ``config`` row)
    reset_after, recurrent_activation, activation, use_bias, the forget-gate bias handling
    (TF1 ``forget_bias`` at run time, Keras ``unit_forget_bias`` stored), peepholes / num_proj /
    cell_clip and the stacking topology (what layer 2 sees), normalized across TF1 and Keras.

Multiple comparisons: the p-values of every scale and distribution test of one diff (all scenarios,
route pairs and blocks) are corrected together, Holm by default (controls the chance of even one false
alarm in the whole diff at ``alpha``), Benjamini-Hochberg on request (``correction="bh"``).

Defaults (``Thresholds()``; printed under every table): alpha 0.01, Holm, scale_floor 0.025 (a 2.5 %
std ratio), ks_floor 0.05, constants rtol 1e-6 / atol 1e-7, orth_tol 1e-4, orth_far 1e-2. With the
default 32 seeds a 5 % std difference in a kernel block of 256+ elements is ~7 standard errors.
Verdict: ``missing`` if a side lacks the block, else ``differs`` if any non-informational reason,
else ``same``. Exit code (``DiffResult.exit_code``): 0 all same, 1 otherwise.
"""

from compare.host.diff.blocks import Comparer
from compare.host.diff.engine import (
    default_baseline,
    default_pairs,
    diff,
    diff_against,
    diff_dir,
    diff_files,
    diff_paths,
    finish,
    parse_baseline,
)
from compare.host.diff.results import (
    CODES,
    CONFIG_BLOCK,
    INFORMATIONAL,
    ROUTE_BLOCK,
    DiffResult,
    Reason,
    Row,
    Side,
    Thresholds,
    write_json,
)
from compare.host.diff.significance import adjust, scale_pvalue

__all__ = [
    "CODES",
    "CONFIG_BLOCK",
    "INFORMATIONAL",
    "ROUTE_BLOCK",
    "Comparer",
    "DiffResult",
    "Reason",
    "Row",
    "Side",
    "Thresholds",
    "adjust",
    "default_baseline",
    "default_pairs",
    "diff",
    "diff_against",
    "diff_dir",
    "diff_files",
    "diff_paths",
    "finish",
    "parse_baseline",
    "scale_pvalue",
    "write_json",
]
