#!/usr/bin/env bash
# Prepare this checkout: system packages, .venv with the project installed, compiled message
# catalogs, test assets.
#   bash scripts/setup.sh          # what the dashboard and the ETL need (fonts for the PDF and images)
#   bash scripts/setup.sh --test   # also Chromium, PostgreSQL, poppler, wrk, Node's axe-core, pytest
# Idempotent: on a prepared machine it checks and returns without apt, pip or npm work.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_test=0
for arg in "$@"; do
    case "$arg" in
        --test) with_test=1 ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "setup: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

say() { printf 'setup: %s\n' "$*"; }
PYTHON="${PYTHON:-python3}"

# --- (a) Debian packages ------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

missing=()
want() { installed "$1" || missing+=("$1"); }

if [ ! -x .venv/bin/python ]; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        missing+=(python3 python3-venv)
    elif ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        missing+=(python3-venv)
    fi
fi
# The brief's PDF and images: DejaVu Sans (Latin, Greek, Cyrillic) and WenQuanYi Micro Hei (a
# TrueType CJK font, so reportlab can embed it) for Simplified Chinese; Chromium draws pages with them too.
want fonts-dejavu-core
want fonts-wqy-microhei
if [ "$with_test" = 1 ]; then
    want chromium
    want chromium-driver
    want postgresql
    want poppler-utils
    want wrk            # python -m bench api: the HTTP load generator
    if ! command -v npm >/dev/null 2>&1; then
        want nodejs
        want npm
    fi
fi

if [ "${#missing[@]}" -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "setup: missing ${missing[*]} and there is no apt-get here: install them by hand" >&2
        exit 1
    fi
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
else
    say "system packages present"
fi

# --- (b) Python virtualenv ----------------------------------------------------
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "setup: Python >= 3.11 is required; $PYTHON is $("$PYTHON" -V 2>&1)." >&2
        echo "       Install a newer Python or run with PYTHON=/path/to/python3.11 bash scripts/setup.sh" >&2
        exit 1
    fi
    say "creating .venv with $("$PYTHON" -V 2>&1)"
    rm -rf .venv
    "$PYTHON" -m venv .venv
fi

# Exact tested versions from requirements.lock (refresh: bash scripts/lock.sh), then the
# project itself without touching them.
hash="$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-64)"
stamp=".venv/.installed-$hash"   # the lock holds every extra: one install serves the demo and the tests

if [ -e "$stamp" ]; then
    say "python packages up to date (.venv)"
else
    say "pip install -r requirements.lock, then -e . into .venv (pyproject.toml or the lock changed, or first run)"
    export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
    .venv/bin/python -m pip install -q -r requirements.lock
    .venv/bin/python -m pip install -q --no-deps -e .
    .venv/bin/python -m pip check >/dev/null || { .venv/bin/python -m pip check >&2; exit 1; }
    rm -f .venv/.installed-*
    touch "$stamp"
fi

# --- (c) Message catalogs: locales/*/LC_MESSAGES/portal.po -> portal.mo -----
bash scripts/i18n.sh compile
say "message catalogs compiled"

# --- (d) Node test assets (axe-core for the accessibility tests) --------------
if [ "$with_test" = 1 ]; then
    if [ -f node_modules/axe-core/axe.min.js ]; then
        say "node_modules/axe-core present"
    else
        say "npm ci (axe-core)"
        npm ci --no-audit --no-fund </dev/null
    fi
fi

say "done"
