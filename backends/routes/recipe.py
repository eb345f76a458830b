"""The recipe route: the Keras layers that compute what the TF1 route computes, initialized like it.

This is the migration answer measured: Keras ``GRU(reset_after=False, recurrent_activation=
"sigmoid")`` / ``LSTM(recurrent_activation="sigmoid")`` (TF1 cells gate with a plain sigmoid and
GRUCell resets before the recurrent matmul), stacked per direction like ``MultiRNNCell``
(``stacking = "cells"``; one level is the plain layer), and initialized by :func:`backends.init_like_tf1.init_like_tf1` from the
scenario's [tf1] table. A diff of this route against the real TF1 route must say ``same``.
"""

from typing import Any, Dict, Iterator, List, Optional

import numpy as np

from backends import init_like_tf1 as recipes
from backends import kerasenv, tfenv
from backends.routes.base import Built, Route, Unavailable
from backends.routes.keras import ROUTE as KERAS
from backends.routes.keras import KerasBuilt, check_options
from compare.core import families
from compare.core.scenario_spec import KerasSpec, Scenario

EQUIVALENT_KWARGS: Dict[str, Dict[str, Any]] = {
    "gru": {"reset_after": False, "recurrent_activation": "sigmoid"},
    "lstm": {"recurrent_activation": "sigmoid"},
}


class RecipeBuilt(KerasBuilt):
    def __init__(self, scenario: Scenario) -> None:
        # One level needs no StackedRNNCells (the same function), which Keras 3.15 on JAX cannot run around
        # a single cell (its scan's carry changes structure)
        stacking = "cells" if scenario.layers > 1 else "layers"
        spec = KerasSpec(layer_kwargs=dict(EQUIVALENT_KWARGS[scenario.cell]), stacking=stacking)
        super().__init__(scenario, spec)

    def _build(self, seed: int) -> None:
        super()._build(seed)
        self._init_like_tf1()

    def _redraws(self, seeds: List[int]) -> Iterator[List[np.ndarray]]:
        """``init_like_tf1`` overwrites every weight, so re-running it seeded ``seed`` is a fresh draw;
        its TF1 initializers are unseeded, so the global seeds are reset first."""
        for seed in seeds:
            kerasenv.seed_everything(self.tf, seed)
            self._init_like_tf1()
            yield self._values([v for _, _, _, _, v in self._variables()])

    def _init_like_tf1(self) -> None:
        tf1 = self.scenario.tf1
        recipes.init_like_tf1(self.rnns, tf1.reaching_initializer, tf1.cell_kwargs)

    def config(self) -> Dict[str, Any]:
        return dict(super().config(), recipe={"layer_kwargs": self.spec.layer_kwargs, "stacking": self.spec.stacking})


class RecipeRoute(Route):
    name = "recipe"

    def unavailable_reason(self) -> Optional[str]:
        return KERAS.unavailable_reason()

    def build(self, scenario: Scenario) -> Built:
        source, plain = families.of_class(scenario.tf1.cell_class, "tf1"), families.for_cell("tf1", scenario.cell)
        if plain.name not in (source.name, source.initialized_as):
            raise Unavailable(
                "init_like_tf1 draws the variables of {} (and of the cells initialized as they are); "
                "{} ({}) is not among them".format(" / ".join(plain.classes), scenario.tf1.cell_class, source.name)
            )
        refused = recipes.unsupported(scenario.tf1.cell_kwargs)
        if refused:
            raise Unavailable(refused)
        built = RecipeBuilt(scenario)
        check_options(built.tf, scenario, built.spec)
        if built.tf is not None and not tfenv.eager(built.tf):
            raise Unavailable(
                f"init_like_tf1 assigns its values eagerly, which {kerasenv.described(built.tf)} cannot (graph "
                "mode): use TensorFlow 1.15 or later"
            )
        return built


ROUTE = RecipeRoute()
