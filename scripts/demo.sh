#!/usr/bin/env bash
# The portal on generated demo data: setup, generate, publish a release, serve the dashboard.
#   bash scripts/demo.sh    # then open http://localhost:8501 (PORTAL_PORT to change)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PORT="${PORTAL_PORT:-8501}"

bash scripts/setup.sh
echo "demo: generating demo data in build/demo"
.venv/bin/python -m etl demo-data --out build/demo
echo "demo: publishing the demo release to datasets/ and sqlite:///datasets/portal.db"
.venv/bin/python -m etl publish --profile demo --input build/demo/requests.csv
echo "demo: serving the portal at http://localhost:$PORT  (Ctrl-C to stop)"
exec .venv/bin/streamlit run app.py --server.headless true --server.port "$PORT" \
    --browser.gatherUsageStats false
