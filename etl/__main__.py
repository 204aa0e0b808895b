"""``python -m etl``: the command line (etl/cli.py); process tuning is applied there (etl/runtime.py)."""

from .cli import main

raise SystemExit(main())
