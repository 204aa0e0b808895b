#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run): setup, a throwaway PostgreSQL, pytest.
#   bash scripts/test.sh                      # default: -q -ra
#   bash scripts/test.sh tests/etl -x -k dates   # any pytest arguments
# Screenshots and other test artifacts go to artifacts/ (gitignored).
# With PORTAL_TEST_PG_URL already set, that server is used and none is started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh --test

if [ -z "${PORTAL_TEST_PG_URL:-}" ]; then
    bash scripts/pg.sh start
    trap 'bash scripts/pg.sh stop || true' EXIT
    PORTAL_TEST_PG_URL="$(bash scripts/pg.sh url)"
fi
export PORTAL_TEST_PG_URL
export PORTAL_ARTIFACTS_DIR="${PORTAL_ARTIFACTS_DIR:-$PWD/artifacts}"
mkdir -p "$PORTAL_ARTIFACTS_DIR/screenshots"

if [ "$#" -eq 0 ]; then
    # the whole suite (and CI) also lints and checks formatting: ruff's settings are in pyproject.toml
    .venv/bin/ruff check . && .venv/bin/ruff format --check . >/dev/null ||
        { echo "test: ruff found problems (fix: .venv/bin/ruff check --fix . && .venv/bin/ruff format .)" >&2; exit 1; }
    set -- -q -ra
fi
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
echo "test: pytest exited $rc; screenshots in ${PORTAL_ARTIFACTS_DIR#$PWD/}/screenshots"
exit "$rc"
