"""Property-based fuzzing of every operation in /openapi.json with schemathesis, over real HTTP, in
both databases: zero server errors and zero answers that break the document (status codes,
content types and JSON bodies as declared). The run is seeded, so a failure reproduces."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def test_openapi_fuzzing_finds_no_server_error_and_no_schema_violation(api, tmp_path):
    cmd = [
        str(SCHEMATHESIS), "run", f"{api.base}/openapi.json",
        "--checks", CHECKS, "--max-examples", "60", "--seed", "311",
        "--generation-database", "none", "--no-color", "--request-timeout", "30",
    ]  # fmt: skip
    run = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "17 selected / 17 total" in run.stdout
    summary = run.stdout[run.stdout.index("Test cases:") :].splitlines()[1]
    generated, passed = (int(n) for n in summary.replace(",", "").split()[::2][:2])
    assert generated == passed > 500, summary
