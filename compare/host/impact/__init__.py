"""``rnncompare impact``: paired training runs that say whether a difference changes how the model learns."""

from compare.host.impact.run import ArmRef, Budget, Impact, impact, parse_arm, task_spec

__all__ = ["ArmRef", "Budget", "Impact", "impact", "parse_arm", "task_spec"]
