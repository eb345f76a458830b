"""The interface every route implements, and the records it hands back (numpy only)."""

import inspect
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

import numpy as np

from compare.core.weights import Weight

if TYPE_CHECKING:  # annotations only: this interface module stays numpy-only at run time
    from compare.core.scenario_spec import Scenario

__all__ = ["Built", "Route", "Unavailable", "Values", "Weight", "checked_value", "forward_input", "unknown_options"]

FORWARD_BATCH = 2
FORWARD_STEPS = 5


class Unavailable(Exception):
    """This env's TensorFlow cannot build what the scenario asks of a route: the message says what it lacks."""


# Weight values by where they go: {(layer, direction, param): array}
Values = Dict[Tuple[int, str, str], np.ndarray]


class Built(ABC):
    """Layers of one scenario, built once in this env; ``draws`` re-initializes them."""

    family: str  # which cell layout the weights follow: tf1_gru, tf1_lstm, keras_gru, keras_lstm

    @abstractmethod
    def config(self) -> Dict[str, Any]:
        """The built layers' own config (JSON-able), as the artifact records it."""

    @abstractmethod
    def draws(self, count: int) -> Iterator[List[Weight]]:
        """``count`` independent, reproducible initializations, in order."""

    @abstractmethod
    def load(self, values: Values) -> List[Weight]:
        """Replace the latest draw's weights by ``values`` ({(layer, direction, param): array}).

        Returns the weights now in place; a missing or misshapen value is a ValueError.
        """

    @abstractmethod
    def forward(self, inputs: np.ndarray) -> Dict[str, np.ndarray]:
        """Run the layers on ``inputs`` with the weights of the latest draw."""

    def close(self) -> None:  # noqa: B027 - not abstract: layers holding no session or graph release nothing
        """Release sessions and graphs."""


class Route(ABC):
    """A way of building the scenario's layers (the TF1 variable_scope route, the Keras route)."""

    name: str

    @abstractmethod
    def unavailable_reason(self) -> Optional[str]:
        """None when this env can build the route, else why not and the remedy."""

    @abstractmethod
    def build(self, scenario: "Scenario") -> Built:
        """The scenario's layers; raises :class:`Unavailable` when this env lacks one of its options."""


def unknown_options(factory: Any, names: Iterable[str]) -> List[str]:
    """Those of ``names`` that ``factory`` (a class: any ``__init__`` along its MRO; else a function)
    does not take as a named parameter: options this version does not have. A catch-all ``**kwargs``
    does not count as taking them."""
    functions = (
        [k.__dict__["__init__"] for k in inspect.getmro(factory) if "__init__" in k.__dict__]
        if inspect.isclass(factory)
        else [factory]
    )
    known: Set[str] = set()
    for function in functions:
        known.update(
            name
            for name, p in inspect.signature(function).parameters.items()
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )
    return [name for name in names if name not in known]


def checked_value(values: Values, weight: Weight) -> np.ndarray:
    """The value to load into ``weight``'s variable, with its shape checked."""
    key = (weight.layer, weight.direction, weight.param)
    if key not in values:
        raise ValueError("no value given for {} ({}/{}/{})".format(weight.name, *key))
    value = np.asarray(values[key], dtype=weight.value.dtype)
    if value.shape != weight.value.shape:
        raise ValueError(f"{weight.name} has shape {weight.value.shape}, the value given {value.shape}")
    return value


def forward_input(scenario: "Scenario") -> np.ndarray:
    """The fixed input every route is run on: reproducible in numpy 1.18 and 2 alike."""
    rng = np.random.RandomState(scenario.base_seed + 1)
    shape = (FORWARD_BATCH, FORWARD_STEPS, scenario.input_dim)
    return rng.standard_normal(shape).astype(np.float32)
