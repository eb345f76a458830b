"""Run the rnncompare CLI: ``python -m compare``.

Side: host (current Python; may use scipy, matplotlib, rich; never TensorFlow).
"""
from compare.cli import main

raise SystemExit(main())
