"""No import circle among the project's modules (compare/, backends/).

The graph holds the imports a module runs when it is loaded: its top-level statements, ``if``/``try``/
``with`` blocks and class bodies; imports inside functions are deliberate lazy imports, and those under
``if TYPE_CHECKING:`` are for annotations only: both stay out.
``from X import Y`` where ``X.Y`` is a project module is an edge to ``X.Y``, else to ``X``. Loading
``X.Y`` runs ``X/__init__.py`` first, so that is an edge too, but only from outside ``X``: inside it,
the package has begun initializing before any of its modules runs. Read with ``ast`` (no module is imported),
so it runs in every env. Host modules may use syntax newer than a framework env's Python: there they are
left out, and the host's run of this test (no ``RNNCOMPARE_ENV``) checks them.
"""

import ast
import os

from tests.helpers.boundary import PROJECT, REPO, side_of

SCOPES = (ast.If, ast.Try, ast.With, ast.ClassDef, ast.ExceptHandler)  # run at import, unlike a def's body


def module_paths():
    """Import name -> path of every project module (a package by its ``__init__``)."""
    found = {}
    for top in PROJECT:
        for path in sorted((REPO / top).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def loaded_imports(body):
    """The ``Import``/``ImportFrom`` nodes a module body runs when it is loaded."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, SCOPES):
            fields = ("orelse",) if typing_only(node) else ("body", "orelse", "finalbody", "handlers")
            for field in fields:
                yield from loaded_imports(getattr(node, field, []))


def typing_only(node):
    """Whether ``node`` is ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``): its body never runs."""
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        isinstance(test, ast.Name)
        and test.id == "TYPE_CHECKING"
        or isinstance(test, ast.Attribute)
        and test.attr == "TYPE_CHECKING"
    )


def base_of(node, name, is_package):
    """The module ``from ... import`` reads from, relative levels resolved against module ``name``."""
    if not node.level:
        return node.module
    package = name.split(".")
    package = package[: len(package) - node.level + (1 if is_package else 0)]
    return ".".join(package + ([node.module] if node.module else []))


def targets(node, name, is_package, modules):
    """The project modules one import statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    base = base_of(node, name, is_package)
    found = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        found.append(sub if sub in modules else base)
    return [m for m in found if m in modules]


def with_packages(name, imported, modules):
    """``imported`` and the packages above each module that loading it initializes, seen from module ``name``."""
    found = set(imported)
    for module in imported:
        parts = module.split(".")
        found.update(
            package
            for package in (".".join(parts[:i]) for i in range(1, len(parts)))
            if package in modules and not (name + ".").startswith(package + ".")
        )
    return found - {name}


def import_graph():
    """Module -> the project modules it imports when loaded; and the host modules this Python cannot parse."""
    paths = module_paths()
    graph, unparsed = {}, []
    for name, path in paths.items():
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        except SyntaxError:
            if side_of(path) != "host":
                raise  # in-env code must parse on every env's Python
            unparsed.append(name)
            continue
        is_package = path.name == "__init__.py"
        imported = [t for node in loaded_imports(tree.body) for t in targets(node, name, is_package, paths)]
        graph[name] = sorted(with_packages(name, imported, paths))
    return graph, unparsed


def find_cycle(graph):
    """One import circle as ``[a, b, ..., a]``, or None (depth-first search, iterative: no recursion limit)."""
    done, on_path = set(), []
    for start in sorted(graph):
        if start in done:
            continue
        stack = [(start, iter(graph.get(start, ())))]
        on_path.append(start)
        while stack:
            node, edges = stack[-1]
            nxt = next(edges, None)
            if nxt is None:
                stack.pop()
                on_path.pop()
                done.add(node)
            elif nxt in on_path:
                return on_path[on_path.index(nxt) :] + [nxt]
            elif nxt not in done:
                stack.append((nxt, iter(graph.get(nxt, ()))))
                on_path.append(nxt)
    return None


def test_find_cycle_reports_the_circle():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b", "c"], "b": ["c"], "c": []}) is None


def test_relative_and_submodule_imports_resolve():
    modules = {"p", "p.a", "p.b", "p.sub", "p.sub.c"}
    tree = ast.parse(
        "from .. import a\nfrom ..b import x\nfrom p.sub import c, y\nimport p.sub.c\n"
        "def lazy():\n    import p.b\ntry:\n    from p import b\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    import p.a\n"
    )
    found = [t for node in loaded_imports(tree.body) for t in targets(node, "p.sub.c", False, modules)]
    assert found == ["p.a", "p.b", "p.sub.c", "p.sub", "p.sub.c", "p.b"]
    package = ast.parse("from . import c\n").body[0]
    assert targets(package, "p.sub", True, modules) == ["p.sub.c"]


def test_outside_importers_initialize_the_packages_above():
    modules = {"p", "p.sub", "p.sub.c", "q"}
    assert with_packages("q", ["p.sub.c"], modules) == {"p", "p.sub", "p.sub.c"}
    assert with_packages("p.sub.c", ["p.sub"], modules) == {"p.sub"}
    assert with_packages("p.x", ["p.sub.c"], modules) == {"p.sub", "p.sub.c"}


def test_no_import_circle():
    graph, unparsed = import_graph()
    assert "compare.artifact.reading" in graph and "backends.worker" in graph
    assert os.environ.get("RNNCOMPARE_ENV") or not unparsed, unparsed  # the host's Python parses every module
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)
