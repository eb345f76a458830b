"""The migration report's part per network of a user's checkpoint: what it is, how it was initialized,
the scenario that compares that with Keras, and the conversion proof per Keras env.

``rnncompare migrate`` gathers these sections (:func:`sections`) and hands them to the report, whose
Markdown, HTML and JSON renderers show them above the scenarios (:func:`markdown`, :func:`html`).
"""

from __future__ import annotations

import html as html_lib
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from compare.core.inventory import Inventory, Network, OwnedVariable, RecordedInitializer


@dataclass(frozen=True)
class Proof:
    """One Keras env's conversion of one network: ``proven`` (worst |diff| within tolerance), ``failed``, or
    ``refused`` / ``not run`` with the reason."""

    env: str
    status: str
    max_abs_diff: Optional[float] = None
    reason: str = ""
    folder: str = ""


@dataclass(frozen=True)
class VariableLine:
    name: str
    shape: Tuple[int, ...]
    param: str
    initializer: str
    slots: int


@dataclass(frozen=True)
class NetworkSection:
    name: str
    cell: str  # "GRUCell (tf1_gru)", or the candidates while unknown
    layers: int
    directions: str  # "fw" | "fw, bw"
    units: int
    input_size: int
    extras: str  # projection, peepholes
    options: Tuple[Tuple[str, str, str], ...]  # (key, value, source)
    missing: Tuple[str, ...]
    initialization: Tuple[Tuple[str, str], ...]  # (param, recovered initializer) per param, layers merged
    variables: Tuple[VariableLine, ...]
    scenario: str  # the scenario that rebuilds it in this report, "" when none
    scenario_note: str  # why there is none
    proofs: Tuple[Proof, ...] = field(default_factory=tuple)


def initializer_text(init: Optional[RecordedInitializer]) -> str:
    """``orthogonal(gain=2.0)``; ``unknown`` when nothing was recorded."""
    if init is None:
        return "unknown"
    params = ", ".join(f"{k}={json.dumps(v)}" for k, v in init.params)
    return f"{init.name}({params})"


def _initialization(variables: Sequence[OwnedVariable]) -> Tuple[Tuple[str, str], ...]:
    """Per param, the initializer every layer and direction recorded, or each distinct one with where."""
    by_param: Dict[str, Dict[str, List[str]]] = {}
    for var in variables:
        where = f"l{var.layer}/{var.direction}"
        by_param.setdefault(var.param, {}).setdefault(initializer_text(var.initializer), []).append(where)
    lines = []
    for param, texts in by_param.items():
        if len(texts) == 1:
            lines.append((param, next(iter(texts))))
        else:
            lines.append((param, "; ".join("{} ({})".format(t, ", ".join(w)) for t, w in texts.items())))
    return tuple(lines)


def _section(network: Network, scenario: str, scenario_note: str, proofs: Sequence[Proof]) -> NetworkSection:
    cell = (
        f"{network.cell_class} ({network.family})"
        if network.cell_class
        else "unknown: one of " + ", ".join(network.candidates)
    )
    extras = [
        (f"projection {network.num_proj}" if network.num_proj else ""),
        ("peepholes" if network.peepholes else ""),
    ]
    sources = dict(network.option_sources)
    options = tuple((k, json.dumps(v), sources.get(k, "")) for k, v in network.options)
    variables = tuple(
        VariableLine(v.name, v.shape, v.param, initializer_text(v.initializer), len(v.slots)) for v in network.variables
    )
    return NetworkSection(
        network.name,
        cell,
        network.layers,
        ", ".join(network.directions),
        network.units,
        network.input_size,
        ", ".join(x for x in extras if x) or "none",
        options,
        network.unknown,
        _initialization(network.variables),
        variables,
        scenario,
        scenario_note,
        tuple(proofs),
    )


def sections(
    inventory: Inventory, scenarios: Mapping[str, str], notes: Mapping[str, str], proofs: Mapping[str, Sequence[Proof]]
) -> List[NetworkSection]:
    """One section per network of ``inventory``: ``scenarios`` maps a network to the scenario that rebuilds
    it, ``notes`` to why none does, ``proofs`` to its conversion per Keras env."""
    return [
        _section(n, scenarios.get(n.name, ""), notes.get(n.name, ""), proofs.get(n.name, ()))
        for n in inventory.networks
    ]


def proof_text(proof: Proof) -> str:
    if proof.max_abs_diff is None:
        return f"{proof.status}: {proof.reason}" if proof.reason else proof.status
    text = f"{proof.status}: max |diff| {proof.max_abs_diff:.2e}"
    return text + (f" ({proof.reason})" if proof.reason else "")


def _rows(section: NetworkSection) -> List[Tuple[str, str]]:
    return [
        ("cell", section.cell),
        ("layers", str(section.layers)),
        ("directions", section.directions),
        ("units", str(section.units)),
        ("input size", str(section.input_size)),
        ("extras", section.extras),
    ]


VARIABLE_HEADER = ("checkpoint variable", "shape", "param", "initializer", "optimizer slots")
PROOF_HEADER = ("env", "proof", "folder")


def _variable_rows(section: NetworkSection) -> List[Tuple[Any, ...]]:
    return [(v.name, "x".join(map(str, v.shape)), v.param, v.initializer, v.slots) for v in section.variables]


def _proof_rows(section: NetworkSection) -> List[Tuple[str, str, str]]:
    return [(p.env, proof_text(p), p.folder) for p in section.proofs]


def _scenario_line(section: NetworkSection, code: Any, text: Any) -> str:
    """The sentence pointing at the network's scenario; ``code`` renders its name, ``text`` escapes the note."""
    if section.scenario:
        return (
            f"Its initialization is rebuilt by scenario {code(section.scenario)} below: the TF1 route with these initializers, "
            "Keras's defaults, and the recipe that starts Keras like TF1."
        )
    return "No scenario rebuilds its initialization: {}".format(text(section.scenario_note or "nothing recorded"))


def markdown(all_sections: Sequence[NetworkSection], escape: Any, table: Any) -> List[str]:
    """The sections as Markdown lines, with the report's own ``escape`` and ``table`` helpers."""
    lines: List[str] = []
    for section in all_sections:
        lines += ["## Network " + escape(section.name), ""]
        lines += table(("what", "value"), _rows(section))
        if section.missing:
            lines += [
                "**Unknown** (give with `--set {}.OPTION=VALUE`): {}".format(
                    escape(section.name), escape(", ".join(section.missing))
                ),
                "",
            ]
        if section.options:
            lines += table(("option", "value", "from"), section.options)
        lines += ["### Initialization recovered from the graph", ""]
        lines += table(("variable", "initializer"), section.initialization)
        lines += [_scenario_line(section, lambda name: "`{}`".format(name.replace("`", "")), escape), ""]
        lines += ["### Conversion to Keras", ""]
        lines += table(PROOF_HEADER, _proof_rows(section)) if section.proofs else ["not converted", ""]
        lines += table(VARIABLE_HEADER, _variable_rows(section))
    return lines


def _html_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    e = html_lib.escape
    head = "".join(f"<th>{e(str(h))}</th>" for h in header)
    body = "".join("<tr>{}</tr>".format("".join(f"<td>{e(str(c))}</td>" for c in row)) for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html(all_sections: Sequence[NetworkSection]) -> str:
    """The sections as HTML, one ``<section class="network">`` each."""
    e = html_lib.escape
    parts = []
    for section in all_sections:
        missing = (
            "<p><strong>Unknown</strong> (give with <code>--set {}.OPTION=VALUE</code>): {}</p>".format(
                e(section.name), e(", ".join(section.missing))
            )
            if section.missing
            else ""
        )
        proofs = _html_table(PROOF_HEADER, _proof_rows(section)) if section.proofs else "<p>not converted</p>"
        parts.append(
            '<section class="network"><h2>Network <code>{}</code></h2>{}{}{}'
            "<h3>Initialization recovered from the graph</h3>{}<p>{}</p><h3>Conversion to Keras</h3>{}"
            "<details><summary>Checkpoint variables</summary>{}</details></section>".format(
                e(section.name),
                _html_table(("what", "value"), _rows(section)),
                missing,
                _html_table(("option", "value", "from"), section.options) if section.options else "",
                _html_table(("variable", "initializer"), section.initialization),
                _scenario_line(section, lambda name: f"<code>{e(name)}</code>", e),
                proofs,
                _html_table(VARIABLE_HEADER, _variable_rows(section)),
            )
        )
    return "".join(parts)
