"""The TF1 route's cells in this TensorFlow: what a ``[tf1]`` table names, and what a built cell says.

The cell class and initializers a scenario names are this TensorFlow's own, or the route is ``Unavailable``
with the reason. A built cell's config comes from its ``get_config``, or (TF 1.1's cells are not layers)
from its constructor's arguments; its variables from its ``weights`` or its variable scope; each variable's
canonical ``param`` from the family registry (TF 1.1 names them ``weights`` / ``biases``).
"""

import inspect
from typing import Any, Dict, List, Optional

from backends import tfenv
from backends.routes.base import Unavailable, unknown_options
from compare.artifact import jsonable
from compare.core import families
from compare.core.scenario_spec import Initializer, TF1Spec


def make_initializer(tf: Any, spec: Optional[Initializer]) -> Any:
    """This TensorFlow's TF1 initializer object for an ``Initializer`` spec (None stays None)."""
    if spec is None:
        return None
    factory = tfenv.tf1_initializer(tf, spec.name)
    if factory is None:
        raise Unavailable(f"TensorFlow {tf.__version__} has no {spec.name} initializer")
    unknown = unknown_options(factory, spec.params)
    if unknown:
        raise Unavailable(
            "the {} initializer of TensorFlow {} takes no {}".format(spec.name, tf.__version__, ", ".join(unknown))
        )
    return factory(**spec.params)


def available_cell_class(tf: Any, name: str) -> Any:
    """This TensorFlow's TF1 cell class ``name``; Unavailable when it has none."""
    cell_class = tfenv.tf1_cell_class(tf, name)
    if cell_class is None:
        where = "tf.contrib" if hasattr(tf, "contrib") else "tf.contrib (this TensorFlow has no tf.contrib)"
        raise Unavailable(f"TensorFlow {tf.__version__} has no {name} in its TF1 cells or {where}")
    return cell_class


def check_options(tf: Any, spec: TF1Spec) -> None:
    """Raise Unavailable when this TensorFlow lacks the [tf1] table's cell class, a cell kwarg or an
    initializer; each initializer is made once here, so a missing one is named before any graph is built."""
    cell_class = available_cell_class(tf, spec.cell_class)
    if families.of_class(spec.cell_class, "tf1").needs_gpu:
        raise Unavailable(opaque_reason(tf, cell_class))
    unknown = unknown_options(cell_class, spec.cell_kwargs)
    if unknown:
        raise Unavailable("{} of TensorFlow {} takes no {}".format(spec.cell_class, tf.__version__, ", ".join(unknown)))
    kwarg_inits = [v for v in spec.cell_kwargs.values() if hasattr(v, "params")]
    for init in [spec.scope_initializer] + list(spec.outer_scopes) + kwarg_inits:
        make_initializer(tf, init)


def opaque_reason(tf: Any, cell_class: Any) -> str:
    """Why a cuDNN layer with one opaque parameter buffer is not measured: TensorFlow is asked to build and
    initialize one, and either cannot (no GPU: its message says which op lacks a CPU kernel) or can, and
    the buffer's layout is cuDNN's own."""
    tf1 = tfenv.v1(tf)
    graph = tf.Graph()
    with graph.as_default():
        layer = cell_class(1, 1)
        try:
            layer(tf1.zeros([1, 1, 1]))
            with tf1.Session(graph=graph) as session:
                session.run(tf1.global_variables_initializer())
        except Exception as exc:  # noqa: BLE001 - TensorFlow's own refusal is the reason reported
            first = " ".join(str(exc).split("(defined at")[0].split())
            return f"needs a GPU: TensorFlow {tf.__version__} cannot initialize {cell_class.__name__} here ({type(exc).__name__}: {first[:200]})"
    return f"{cell_class.__name__} keeps its weights in one opaque cuDNN buffer with no per-gate layout"


def describe_initializer(init: Any) -> Any:
    if init is None:
        return None
    config = init.get_config() if hasattr(init, "get_config") else {}
    return {"class_name": type(init).__name__, "config": jsonable(config)}


def cell_param(cell_class: str, variable_name: str) -> str:
    """The registry's canonical cell-local param of a variable of ``cell_class``: ``.../gates/weights``
    (TF <= 1.1's name) is ``gates/kernel``; longest match first (``projection/kernel`` before ``kernel``)."""
    family = families.of_class(cell_class, "tf1")
    head, _, last = variable_name.rpartition("/")
    canonical = head + "/" + dict(family.legacy_names).get(last, last)
    for param in sorted(set(family.params), key=len, reverse=True):
        if canonical.endswith("/" + param):
            return param
    raise ValueError(f"unexpected {cell_class} variable {variable_name}")


def cell_config(cell: Any, units: int, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The built cell's config: its own ``get_config``, or (TF 1.1 cells have none) its constructor's
    defaults with the arguments it was given, functions by name and initializers described, as
    ``get_config`` gives them from TF 1.2 on."""
    own = _own_config(cell)
    if "num_units" in own:
        return jsonable(own)
    parameters = inspect.signature(type(cell).__init__).parameters
    config = {name: p.default for name, p in parameters.items() if p.default is not p.empty}
    config.update(kwargs, num_units=units)
    config.update(own)
    return jsonable({name: _described(value) for name, value in config.items()})


def _own_config(cell: Any) -> Dict[str, Any]:
    """What ``get_config`` says: the contrib cells' say only name and dtype (``forget_bias`` and the rest
    are then the constructor's), LSTMBlockFusedCell's raises NotImplementedError, TF 1.1's cells have none."""
    try:
        return dict(cell.get_config())
    except (AttributeError, NotImplementedError):
        return {}


def _described(value: Any) -> Any:
    if inspect.isfunction(value):
        return value.__name__
    if isinstance(value, (bool, int, float, str, type(None))):
        return value
    return describe_initializer(value)


def cell_variables(tf: Any, cell: Any) -> List[Any]:
    """The variables a called cell created: its ``weights``, or (TF 1.1 cells are not layers) the
    graph's trainable variables inside the scope the cell recorded when it was called."""
    if hasattr(cell, "weights"):
        return list(cell.weights)
    scope = getattr(cell, "_scope", None)
    if scope is None:  # TF 1.1's contrib block cells
        raise Unavailable(
            f"{type(cell).__name__} of TensorFlow {tf.__version__} is no layer and records no variable scope: its variables cannot "
            "be told apart cell by cell"
        )
    prefix = scope.name + "/"
    return [v for v in tfenv.v1(tf).trainable_variables() if v.name.startswith(prefix)]
