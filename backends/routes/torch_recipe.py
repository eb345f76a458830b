"""The PyTorch recipe route: the PyTorch LSTM that computes what the TF1 route computes, initialized like it.

``nn.LSTMCell`` stacked per direction (TF1's ``MultiRNNCell`` stacks each direction on its own), then
:func:`backends.torch_like_tf1.init_like_tf1` from the scenario's [tf1] table, per draw seeded
``torch.manual_seed(base_seed + k)``. A diff of this route against the real TF1 route must say ``same``.
A GRU is ``unavailable`` with the reason: TF1's GRUCell resets before the recurrent matmul, PyTorch's GRU
after it.
"""

from typing import Any, Dict, Optional

from backends import torch_like_tf1 as recipe
from backends.routes.base import Built, Route, Unavailable
from backends.routes.torch import ROUTE as TORCH
from backends.routes.torch import TorchBuilt
from compare.core import families
from compare.core.scenario_spec import Scenario, TorchSpec


class TorchRecipeBuilt(TorchBuilt):
    def __init__(self, scenario: Scenario) -> None:
        super().__init__(scenario, TorchSpec(stacking="cells"))

    def _initialize(self) -> None:
        tf1 = self.scenario.tf1
        recipe.init_like_tf1(self.module, tf1.reaching_initializer, tf1.cell_kwargs)

    def config(self) -> Dict[str, Any]:
        return dict(super().config(), init="init_like_tf1", recipe={"stacking": "cells"})


class TorchRecipeRoute(Route):
    name = "torch_recipe"

    def unavailable_reason(self) -> Optional[str]:
        return TORCH.unavailable_reason()

    def build(self, scenario: Scenario) -> Built:
        source, plain = families.of_class(scenario.tf1.cell_class, "tf1"), families.for_cell("tf1", scenario.cell)
        if plain.name not in (source.name, source.initialized_as):
            raise Unavailable(
                "the PyTorch recipe draws the variables of {}; {} ({}) is not among them".format(
                    " / ".join(plain.classes), scenario.tf1.cell_class, source.name
                )
            )
        refused = recipe.unsupported(scenario.cell, scenario.tf1.reaching_initializer, scenario.tf1.cell_kwargs)
        if refused:
            raise Unavailable(refused)
        return TorchRecipeBuilt(scenario)


ROUTE = TorchRecipeRoute()
