"""What the artifacts say about a row's sides, for findings: spec, family, initializers, constants, versions.

Every lookup degrades to "not known" (None, empty) when no artifact holds the side: findings can be
made from rows alone (a diff's ``--json`` file), with less concrete fixes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from compare.artifact import Artifact, RouteResult, Spec
from compare.core import families, layout

# Labels the fingerprint gives when no initializer explains the values: they name no initializer.
NOT_AN_INITIALIZER = frozenset({None, "", "unknown", "?"})

Artifacts = Union[Mapping[str, Artifact], Iterable[Artifact], None]


@dataclass(frozen=True)
class Context:
    """Artifacts by env name."""

    artifacts: Mapping[str, Artifact] = field(default_factory=dict)

    @classmethod
    def of(cls, artifacts: Artifacts) -> Context:
        if artifacts is None:
            return cls({})
        if isinstance(artifacts, Mapping):
            return cls(dict(artifacts))
        return cls({art.name: art for art in artifacts})

    def spec(self, scenario: str) -> Optional[Spec]:
        for art in self.artifacts.values():
            if scenario in art.scenarios:
                return art.scenarios[scenario].spec
        return None

    def route(self, scenario: str, label: str) -> Optional[RouteResult]:
        env, _, route = label.rpartition(":")
        art = self.artifacts.get(env)
        return None if art is None else art.route(scenario, route)

    def family(self, scenario: str, label: str) -> Optional[families.Family]:
        found = self.route(scenario, label)
        try:
            return families.get(found.family) if found is not None else None
        except ValueError:
            return None

    def framework(self, scenario: str, label: str) -> str:
        """``tf1`` | ``keras`` | ``torch`` | ``flax`` from the side's family; else from the route's name
        (``recipe`` is Keras, ``torch_recipe`` PyTorch)."""
        family = self.family(scenario, label)
        if family is not None:
            return family.framework
        route = label.rpartition(":")[2]
        return {
            "tf1": "tf1",
            "keras": "keras",
            "recipe": "keras",
            "torch": "torch",
            "torch_recipe": "torch",
            "flax": "flax",
        }.get(route, "")

    def tensorflow(self, label: str) -> str:
        art = self.artifacts.get(label.rpartition(":")[0])
        return art.env.tensorflow if art is not None else ""

    def initializer(self, scenario: str, label: str, part: str) -> Optional[str]:
        """The initializer most of the side's ``part`` blocks are fingerprinted as; None when most of them
        name none (``unknown``).

        One block's label can be noise (two initializers often predict the same values); the label most
        blocks of a part carry is what the route drew that part with."""
        found = self.route(scenario, label)
        if found is None:
            return None
        names = Counter(
            b.fingerprint.name if b.fingerprint is not None else None
            for key, b in found.blocks.items()
            if _part(key) == part
        )
        top = names.most_common(1)[0][0] if names else None
        return None if top in NOT_AN_INITIALIZER else top

    def over_shapes(self, scenario: str, label: str, blocks: Sequence[str]) -> List[Tuple[int, ...]]:
        """The shapes the side's initializer was fitted over for ``blocks``, most frequent first."""
        found = self.route(scenario, label)
        if found is None:
            return []
        prints = [found.blocks[k].fingerprint for k in blocks if k in found.blocks]
        shapes = Counter(tuple(fp.over_shape) for fp in prints if fp is not None and fp.over_shape)
        return [s for s, _ in shapes.most_common()]

    def constant(self, scenario: str, label: str, block: str) -> Optional[float]:
        """The constant the gate sees (the effective bias where measured, else the stored block), or None."""
        found = self.route(scenario, label)
        if found is None:
            return None
        for measured in (found.effective_bias.get(block), found.blocks.get(block)):
            if measured is not None and measured.stats is not None:
                return measured.stats.constant
        return None


def _part(key: str) -> str:
    try:
        return layout.parse_key(key)[3]
    except ValueError:
        return ""
