"""Run the rnncompare CLI: ``python -m compare``."""

from compare.host.cli import main

raise SystemExit(main())
