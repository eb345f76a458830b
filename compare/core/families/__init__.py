"""Cell families: how each TF1 and Keras cell stores its weights, looked up by name or class.

The registry's API (``compare.core.families.registry``), with the built-in families
(``compare.core.families.builtin``) registered on import: ``from compare.core import families;
families.get("tf1_gru")``.
"""

from compare.core.families import builtin, flax  # noqa: F401  (imported for their register calls)
from compare.core.families.registry import (
    CELL_KEYS,
    COMPUTATION_KEYS,
    GATES,
    KINDS,
    OPTIONS,
    PARTS,
    PER_DIRECTION,
    PER_LEVEL,
    PROJECTION,
    RESET_SCALABLE,
    STATE,
    Computation,
    Family,
    Fixed,
    Read,
    Variable,
    cell_config,
    computation,
    display_order,
    for_cell,
    function_name,
    get,
    names,
    of_class,
    of_instance,
    ports_exactly,
    register,
    unregister,
)

__all__ = [
    "CELL_KEYS",
    "COMPUTATION_KEYS",
    "GATES",
    "KINDS",
    "OPTIONS",
    "PARTS",
    "PER_DIRECTION",
    "PER_LEVEL",
    "PROJECTION",
    "RESET_SCALABLE",
    "STATE",
    "Computation",
    "Family",
    "Fixed",
    "Read",
    "Variable",
    "cell_config",
    "computation",
    "display_order",
    "for_cell",
    "function_name",
    "get",
    "names",
    "of_class",
    "of_instance",
    "ports_exactly",
    "register",
    "unregister",
]
