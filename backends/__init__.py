"""In-env adapters: the only code that imports TensorFlow.

Each route lives in its own module and exposes ``ROUTE``, an object with the small
interface of :class:`backends.base.Route`. The worker asks every route whether this
env can run it, builds the layers, and gets plain numpy arrays back.
"""
ROUTE_MODULES = {
    "tf1": "backends.tf1_route",
    "keras": "backends.keras_route",
    "recipe": "backends.recipe_route",
}
