"""Paired effects of one arm against another, and the verdict (host only: scipy).

For every seed both arms trained on the same batches from their own draw of that seed, so the seed pairs
the runs. Three outcomes per run, from its test-loss curve:

* ``final``: log10 of the final test loss;
* ``auc``: the area under the log10 test-loss curve over the budget, per step (how fast and how far);
* ``steps``: the first evaluated step whose test loss is below the threshold (``budget + eval_every``
  when never: a censored run counts as slower than any run that got there).

Per outcome, the paired difference B - A per seed gives the mean effect, a t-interval and a paired t-test
(Wilcoxon's signed-rank p beside it, as a check that does not assume normal differences). The three
tests share ``alpha`` (Bonferroni: each at ``alpha / 3``, its interval at ``1 - alpha / 3``), so a pair
with no effect is called ``matters`` at most ``alpha`` of the time.

Verdict: ``inconclusive`` when neither arm learns (the median final loss of both stays above
``LEARNED`` x the trivial predictor's loss: the task and budget cannot show an effect); ``matters`` when
an outcome's test is significant; ``no measurable effect at this budget`` when none is and the ``final``
and ``auc`` effects are shown smaller than +-``margin`` (log10 units) by the equivalence test (TOST: their
90 % intervals within the margin); ``inconclusive`` otherwise (the interval too wide to rule out an effect
of that size: more seeds decide).
"""

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np
from scipy import stats as scipy_stats

OUTCOMES = ("final", "auc", "steps")
LEARNED = 0.8
# the no-effect margin in log10 loss (a factor 2.5): the null check's seed-to-seed spread of final log10 loss is
# about 0.25, so 20 paired seeds resolve this margin (docs/impact.md)
MARGIN = 0.4
EQUIVALENCE = 0.05  # each one-sided test of TOST: the 90 % interval within +-margin
MATTERS = "matters"
NO_EFFECT = "no measurable effect at this budget"
INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Curve:
    """One (arm, seed) run's test loss at its evaluated steps."""

    arm: str
    seed: int
    steps: Tuple[int, ...]
    loss: Tuple[float, ...]


@dataclass(frozen=True)
class Effect:
    """One outcome's paired effect (B - A; negative: B lower, i.e. better for every outcome)."""

    outcome: str
    a: Tuple[float, ...]
    b: Tuple[float, ...]
    mean: float
    low: float
    high: float
    confidence: float
    p_t: float
    p_wilcoxon: float
    eq_low: float  # the equivalence test's interval (1 - 2 x EQUIVALENCE): within +-margin = no effect
    eq_high: float

    def to_dict(self) -> Dict[str, object]:
        return {
            "outcome": self.outcome,
            "a": list(self.a),
            "b": list(self.b),
            "mean": self.mean,
            "interval": [self.low, self.high],
            "confidence": self.confidence,
            "p_t": self.p_t,
            "p_wilcoxon": self.p_wilcoxon,
            "equivalence_interval": [self.eq_low, self.eq_high],
        }


@dataclass(frozen=True)
class Comparison:
    """Arm B against arm A over the paired seeds: the effects and the verdict with its reason."""

    a: str
    b: str
    seeds: Tuple[int, ...]
    effects: Tuple[Effect, ...]
    verdict: str
    reason: str

    def to_dict(self) -> Dict[str, object]:
        return {
            "a": self.a,
            "b": self.b,
            "seeds": list(self.seeds),
            "verdict": self.verdict,
            "reason": self.reason,
            "effects": {e.outcome: e.to_dict() for e in self.effects},
        }


def outcomes(curve: Curve, threshold: float, budget: int, eval_every: int) -> Dict[str, float]:
    """The three outcomes of one run."""
    steps = np.asarray(curve.steps, dtype=np.float64)
    logs = np.log10(np.maximum(np.asarray(curve.loss, dtype=np.float64), 1e-12))
    area = float(np.sum((logs[1:] + logs[:-1]) * np.diff(steps)) / 2.0 / max(steps[-1] - steps[0], 1.0))
    below = [s for s, v in zip(curve.steps, curve.loss) if v < threshold]
    return {"final": float(logs[-1]), "auc": area, "steps": float(below[0] if below else budget + eval_every)}


def _interval(diff: np.ndarray, confidence: float) -> Tuple[float, float]:
    mean, n = float(diff.mean()), diff.size
    spread = float(diff.std(ddof=1)) if n > 1 else 0.0
    half = float(scipy_stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * spread / np.sqrt(n) if spread > 0 else 0.0
    return mean - half, mean + half


def paired(outcome: str, a: Sequence[float], b: Sequence[float], alpha: float) -> Effect:
    """The paired effect of B - A: its ``1 - alpha`` t-interval and t-test, the ``1 - 2 EQUIVALENCE``
    interval of the equivalence test (TOST), and Wilcoxon's p.

    Differences that are all equal (a discrete outcome, few seeds) have no spread for a t-test: their p is
    Wilcoxon's exact one (never below 2 / 2^n), not 0."""
    diff = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    mean = float(diff.mean())
    p_w = float(scipy_stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else 1.0
    if diff.size > 1 and float(diff.std(ddof=1)) > 0:
        p_t = float(scipy_stats.ttest_rel(b, a).pvalue)
    else:
        p_t = p_w
    low, high = _interval(diff, 1.0 - alpha)
    eq_low, eq_high = _interval(diff, 1.0 - 2.0 * EQUIVALENCE)
    return Effect(outcome, tuple(a), tuple(b), mean, low, high, 1.0 - alpha, p_t, p_w, eq_low, eq_high)


def compare_arms(
    runs: Sequence[Curve],
    a: str,
    b: str,
    seeds: Sequence[int],
    task: Dict[str, float],
    alpha: float = 0.05,
    margin: float = MARGIN,
) -> Comparison:
    """Arm ``b`` against arm ``a`` over ``seeds``; ``task``: its ``threshold``, ``trivial_loss``,
    ``budget`` (steps) and ``eval_every``."""
    by = {(r.arm, r.seed): r for r in runs}
    missing = [(arm, s) for arm in (a, b) for s in seeds if (arm, s) not in by]
    if missing:
        raise ValueError(f"no run of {missing[0][0]} seed {missing[0][1]}")
    per = {
        arm: [outcomes(by[(arm, s)], task["threshold"], int(task["budget"]), int(task["eval_every"])) for s in seeds]
        for arm in (a, b)
    }
    level = alpha / len(OUTCOMES)
    effects = tuple(paired(o, [x[o] for x in per[a]], [x[o] for x in per[b]], level) for o in OUTCOMES)
    verdict, reason = _verdict(effects, per, task, margin, level)
    return Comparison(a, b, tuple(seeds), effects, verdict, reason)


def _verdict(
    effects: Sequence[Effect],
    per: Dict[str, List[Dict[str, float]]],
    task: Dict[str, float],
    margin: float,
    level: float,
) -> Tuple[str, str]:
    trivial = float(task["trivial_loss"])
    medians = {arm: 10 ** float(np.median([x["final"] for x in values])) for arm, values in per.items()}
    if all(m > LEARNED * trivial for m in medians.values()):
        return INCONCLUSIVE, (
            "neither arm learned: median final loss {} against the trivial predictor's {:.4g}; a longer budget "
            "or an easier task can show an effect".format(" and ".join(f"{v:.4g}" for v in medians.values()), trivial)
        )
    significant = [e for e in effects if e.p_t < level]
    if significant:
        best = min(significant, key=lambda e: e.p_t)
        better = "B" if best.mean < 0 else "A"
        return (
            MATTERS,
            f"{best.outcome}: B - A = {best.mean:.3g} [{best.low:.3g}, {best.high:.3g}], p = {best.p_t:.2g} ({better} better)",
        )
    wide = [e for e in effects if e.outcome != "steps" and max(abs(e.eq_low), abs(e.eq_high)) > margin]
    if wide:
        e = wide[0]
        return INCONCLUSIVE, (
            f"{e.outcome}: 90 % interval [{e.eq_low:.3g}, {e.eq_high:.3g}] reaches beyond +-{margin} (log10): "
            "more seeds decide"
        )
    return NO_EFFECT, f"final and auc within +-{margin} (log10 loss, 90 % intervals) and no test below p = {level:.3g}"
