"""The shared builders make what the artifact reader accepts, with the statistics they were given."""

import numpy as np

from tests.helpers.builders import block, document, route, scenario, typed


def test_a_built_document_reads_back_with_its_statistics():
    draws = np.full((4, 2, 3), 0.5, np.float32)
    doc = document(
        "x",
        {
            "s": scenario(
                {
                    "keras": route(
                        "keras_gru", {"l0/fw/update/kernel": block(draws)}, effective={"l0/fw/update/bias": draws[:, 0]}
                    )
                },
                {"units": 3, "layers": 1, "bidirectional": False},
            )
        },
    )
    art = typed({"x": doc})["x"]
    read = art.route("s", "keras")
    assert read.family == "keras_gru" and read.blocks["l0/fw/update/kernel"].shape == (2, 3)
    assert read.blocks["l0/fw/update/kernel"].stats.constant == 0.5
    assert read.effective_bias["l0/fw/update/bias"].stats.count == 12
    assert art.scenarios["s"].spec.directions == ["fw"]
