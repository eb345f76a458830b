"""In-env adapters: the only code that imports TensorFlow.

Each route lives in its own module and exposes ``ROUTE``, an object with the small
interface of :class:`backends.routes.base.Route`. The worker asks every route whether this
env can run it, builds the layers, and gets plain numpy arrays back.
"""

from compare.artifact import ROUTES

ROUTE_MODULES = {name: f"backends.routes.{name}" for name in ROUTES}
