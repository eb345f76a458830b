"""rnncompare: how TF1 and Keras initialize equivalent GRU/LSTM layers, measured in real TensorFlow.

The library API is this package's names (``import compare``; ``compare.diff_paths(...)``), loaded on first
use so that the in-env side (``compare.core``, ``compare.measure``, ``compare.artifact``), which every
TensorFlow env imports on Python 3.6+, never pulls in the host side (``compare.host``: scipy, rich, tox).

* scenarios: :func:`load_scenarios`, :func:`parse_scenarios`
* artifacts: :func:`read_artifact` (frozen records), :mod:`compare.artifact`
* verbs: :func:`run_matrix`, :func:`run_and_report` (``run``), :func:`diff_paths`, :func:`diff_files`
  (``diff``), :func:`make_report`, :func:`report_folders` (``report``), :func:`merge_folders`,
  :func:`port_between`, :func:`port_files` (``port``), :func:`inspect_checkpoint` (``inspect``),
  :func:`convert` (``convert``), :func:`migrate` (``migrate``), :func:`describe_envs` (``envs``),
  :func:`impact`, :func:`impact_of_findings` (``impact``: does a difference change training?)
* findings: :func:`findings_for` (a diff's rows as causes, each once: what, where, kind, fix);
  :func:`make_gate` (the CI gate ``report_folders`` and ``run_and_report`` take: ``--fail-on``, ``--allow``)
* in a TensorFlow env: :func:`init_like_tf1` (Keras layers initialized as the TF1 cells would be)
* errors: :class:`UserError` (one line, exit code 2)
"""

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> (module, attribute); an attribute of None means the module itself (the names of earlier releases)
_API = {
    "load_scenarios": ("compare.core.scenarios", "load_scenarios"),
    "parse_scenarios": ("compare.core.scenarios", "parse_scenarios"),
    "read_artifact": ("compare.artifact", "read"),
    "port_between": ("compare.core.port", "port_between"),
    "port_files": ("compare.core.port", "port_files"),
    "UserError": ("compare.errors", "UserError"),
    "run_matrix": ("compare.host.runner", "run_matrix"),
    "run_and_report": ("compare.host.job", "run_and_report"),
    "Shard": ("compare.host.runner", "Shard"),
    "diff_paths": ("compare.host.diff", "diff_paths"),
    "diff_files": ("compare.host.diff", "diff_files"),
    "findings_for": ("compare.host.findings", "findings_for"),
    "make_gate": ("compare.host.findings.gate", "make_gate"),
    "make_report": ("compare.host.report", "make_report"),
    "report_folders": ("compare.host.merge", "report_folders"),
    "merge_folders": ("compare.host.merge", "merge_folders"),
    "inspect_checkpoint": ("compare.host.checkpoint.inspect", "inspect_checkpoint"),
    "convert": ("compare.host.checkpoint.convert", "convert"),
    "migrate": ("compare.host.checkpoint.migrate", "migrate"),
    "describe_envs": ("compare.host.envs", "describe"),
    "impact": ("compare.host.impact", "impact"),
    "impact_of_findings": ("compare.host.impact.findings", "impact_of_findings"),
    "init_like_tf1": ("backends.init_like_tf1", "init_like_tf1"),
    "scenarios": ("compare.core.scenarios", None),
    "port": ("compare.core.port", None),
    "diff": ("compare.host.diff", None),
    "findings": ("compare.host.findings", None),
    "report": ("compare.host.report", None),
    "runner": ("compare.host.runner", None),
    "merge": ("compare.host.merge", None),
    "envs": ("compare.host.envs", None),
}

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str) -> Any:
    """The public API, imported when first asked for (PEP 562)."""
    if name not in _API:
        raise AttributeError(f"module 'compare' has no attribute {name!r}")
    module_name, attribute = _API[name]
    module = importlib.import_module(module_name)
    return module if attribute is None else getattr(module, attribute)
