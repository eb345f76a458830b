"""The ``config`` row of a diff: do two built routes compute the same function? (host only)

Both routes' built configs are normalised by the family registry (``compare.core.families.computation``)
into one vocabulary, so a TF1 ``GRUCell`` reads as a GRU with reset_after=False and sigmoid gates, and
TF1's run-time ``forget_bias`` sits beside Keras's stored ``unit_forget_bias``.
"""

from typing import List

from compare.artifact import RouteResult, Spec
from compare.host.diff.blocks import Comparer, fmt
from compare.host.diff.results import CONFIG_BLOCK, INFORMATIONAL, Reason, Row

CONFIG_WHY = {
    "activation": "the candidate / cell output squashes differently, so equal weights compute different outputs.",
    "recurrent_activation": "the gates squash differently, so equal weights open the gates differently.",
    "use_bias": "one side has no bias at all.",
    "reset_after": "reset_after=True applies the reset gate after the recurrent matmul and adds a recurrent "
    "bias: a different function, no weights make the two the same.",
    "forget_bias": "TF1 adds forget_bias to the forget gate at run time without storing it; carry it into the "
    "Keras bias (unit_forget_bias=True stores 1.0) when porting weights.",
    "unit_forget_bias": "unit_forget_bias stores 1.0 in the forget-gate bias at initialization.",
    "use_peepholes": "peephole weights exist on one side only.",
    "num_proj": "an output projection exists on one side only.",
    "cell_clip": "the cell state is clipped on one side only.",
    "stacking": "the layers above the first see different inputs, so their kernels have other shapes.",
}
FORGET_KEYS = ("forget_bias", "unit_forget_bias")


def config_row(scenario: str, cmp: Comparer, ea: RouteResult, eb: RouteResult, spec: Spec) -> Row:
    row = Row(scenario, CONFIG_BLOCK, cmp.a, cmp.b)
    ca, cb = ea.computation(spec).as_dict(), eb.computation(spec).as_dict()
    for key in [k for k in ca if k in cb]:
        if ca[key] != cb[key]:
            row.reasons.append(
                Reason(
                    "config_mismatch",
                    "{}: {} {}, {} {}; {}".format(
                        key, cmp.a.label, fmt(ca[key]), cmp.b.label, fmt(cb[key]), CONFIG_WHY.get(key, "")
                    ),
                    {"key": key, "a": ca[key], "b": cb[key]},
                )
            )
    return row


def forget_bias_settled(config: Row, rows: List[Row]) -> None:
    """forget_bias vs unit_forget_bias is informational when every forget gate sees the same bias.

    TF1 adds forget_bias at run time, Keras stores its 1.0 (unit_forget_bias, or folded in by the
    recipe or by ``rnncompare port``): the gates start alike, which the bias rows have judged. The
    constant-bias rows are final here (statistical tests never judge constant blocks).
    """
    forget_rows = [r for r in rows if r.block.endswith("/forget/bias")]
    if not forget_rows or any(x.code not in INFORMATIONAL for row in forget_rows for x in row.reasons):
        return
    for reason in config.reasons:
        if reason.code == "config_mismatch" and reason.figures.get("key") in FORGET_KEYS:
            reason.code = "effective_bias_same"
            reason.detail += " Every forget gate sees the same bias here, so this is informational."
