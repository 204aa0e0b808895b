#!/usr/bin/env bash
# Refresh requirements.lock, the exact versions that scripts/setup.sh installs (and CI tests),
# from the ranges in pyproject.toml. Run after changing a dependency, then run the whole suite
# (bash scripts/test.sh) before committing both files.
#   bash scripts/lock.sh              # newest versions the ranges allow
#   bash scripts/lock.sh --upgrade-package streamlit   # any extra uv pip compile arguments
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q uv
.venv/bin/uv pip compile pyproject.toml --extra test --extra bench --universal --python-version 3.11 \
    --no-header -o requirements.lock "$@"
echo "lock: requirements.lock written; install it with bash scripts/setup.sh"
