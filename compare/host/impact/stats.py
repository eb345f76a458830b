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
and ``auc`` intervals both lie within +-``margin`` (log10 units); ``inconclusive`` otherwise (the
interval too wide to rule out an effect of that size: more seeds decide).
"""

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np
from scipy import stats as scipy_stats

OUTCOMES = ("final", "auc", "steps")
LEARNED = 0.8
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


def paired(outcome: str, a: Sequence[float], b: Sequence[float], alpha: float) -> Effect:
    """The paired effect of B - A with its ``1 - alpha`` t-interval, t-test and Wilcoxon p."""
    diff = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    mean, n = float(diff.mean()), diff.size
    spread = float(diff.std(ddof=1)) if n > 1 else 0.0
    if n < 2 or spread == 0.0:  # identical differences: no noise to test against
        p_t = 1.0 if mean == 0.0 else 0.0
        p_w = 1.0 if mean == 0.0 else float("nan")
        return Effect(outcome, tuple(a), tuple(b), mean, mean, mean, 1.0 - alpha, p_t, p_w)
    half = float(scipy_stats.t.ppf(1.0 - alpha / 2.0, n - 1)) * spread / np.sqrt(n)
    p_t = float(scipy_stats.ttest_rel(b, a).pvalue)
    p_w = float(scipy_stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else 1.0
    return Effect(outcome, tuple(a), tuple(b), mean, mean - half, mean + half, 1.0 - alpha, p_t, p_w)


def compare_arms(
    runs: Sequence[Curve],
    a: str,
    b: str,
    seeds: Sequence[int],
    task: Dict[str, float],
    alpha: float = 0.05,
    margin: float = 0.2,
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
    wide = [e for e in effects if e.outcome != "steps" and max(abs(e.low), abs(e.high)) > margin]
    if wide:
        e = wide[0]
        return (
            INCONCLUSIVE,
            f"{e.outcome}: interval [{e.low:.3g}, {e.high:.3g}] reaches beyond +-{margin} (log10): more seeds decide",
        )
    return NO_EFFECT, f"every interval within +-{margin} (log10 loss) and no test below p = {level:.3g}"
