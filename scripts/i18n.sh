#!/usr/bin/env bash
# The portal's message catalogs (docs/i18n.md), with Babel's standard tool, pybabel:
#   bash scripts/i18n.sh update      # extract locales/portal.pot from the code, schemas/ and docs/data-rules.md,
#                                    # then merge it into every locales/<lang>/LC_MESSAGES/portal.po
#   bash scripts/i18n.sh compile     # every portal.po -> portal.mo (scripts/setup.sh runs this)
#   bash scripts/i18n.sh add LANG    # start a new language from the template (e.g. add fr, add zh_Hant)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYBABEL=".venv/bin/pybabel"
[ -x "$PYBABEL" ] || { echo "i18n: $PYBABEL missing: run bash scripts/setup.sh first" >&2; exit 1; }

extract() {
    "$PYBABEL" -q extract -F babel.cfg -o locales/portal.pot --add-comments=TRANSLATORS: \
        --add-location=file --sort-by-file --no-wrap --project=portal311 \
        --msgid-bugs-address="" --copyright-holder="311 open-data portal developers" .
}

case "${1:-}" in
    update)
        extract
        "$PYBABEL" -q update -i locales/portal.pot -d locales -D portal --no-wrap --ignore-obsolete
        echo "i18n: locales/portal.pot extracted and merged; translate the new entries (empty or #, fuzzy)"
        ;;
    compile)
        "$PYBABEL" -q compile -d locales -D portal
        ;;
    add)
        lang="${2:?usage: bash scripts/i18n.sh add LANG}"
        extract
        "$PYBABEL" -q init -i locales/portal.pot -d locales -D portal -l "$lang" --no-wrap
        echo "i18n: locales/$lang/LC_MESSAGES/portal.po created; translate it (docs/i18n.md)"
        ;;
    *)
        sed -n '2,7p' "$0"
        exit 2
        ;;
esac
