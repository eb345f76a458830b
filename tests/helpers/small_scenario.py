"""The framework tests' small scenario: units 5 over 3 inputs, with the route tables a test gives."""

from compare.core.scenario_spec import Scenario
from compare.core.scenarios import parse_scenarios


def small_scenario(name: str, cell: str, layers: int, bidirectional: bool, tables: str, seeds: int = 1) -> Scenario:
    """One scenario parsed from TOML as a user writes it; ``tables`` are its ``[scenario.<route>]`` tables."""
    text = f"""
[[scenario]]
name = "{name}"
cell = "{cell}"
units = 5
input_dim = 3
layers = {layers}
bidirectional = {str(bidirectional).lower()}
seeds = {seeds}
{tables}
"""
    return parse_scenarios(text)[0]
