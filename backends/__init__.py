"""In-env adapters: the only code that imports TensorFlow.

Each route lives in its own module and exposes ``ROUTE``, an object with the small
interface of :class:`backends.base.Route`. The worker asks every route whether this
env can run it, builds the layers, and gets plain numpy arrays back.

Side: in-env (every TF env's Python and numpy; no host libraries).
"""
from compare.artifact import ROUTES

ROUTE_MODULES = {name: "backends.{}_route".format(name) for name in ROUTES}
