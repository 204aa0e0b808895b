"""Each side owns its half: etl never imports portal, portal never imports etl, core imports neither.

Checked on the source (every import statement, at any depth) and in a fresh interpreter (what
importing each side's modules loads). The one place the write side runs read-side code, the
figures stored at load time, goes through an entry point (core/figures.py).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# replay/ (the loopback source servers) is test and benchmark machinery: no side depends on it
FORBIDDEN = {
    "etl": {"portal", "replay"},
    "portal": {"etl", "replay"},
    "core": {"etl", "portal", "replay", "streamlit"},
}


def imported_packages(path: Path) -> set[str]:
    """Top-level packages ``path`` imports (relative imports stay inside its own package)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            names |= {a.value.split(".")[0] for a in node.args[:1] if isinstance(a, ast.Constant)}
    return names


SOURCES = [(package, path) for package in FORBIDDEN for path in sorted((ROOT / package).rglob("*.py"))]


@pytest.mark.parametrize("package, path", SOURCES, ids=[str(p.relative_to(ROOT)) for _, p in SOURCES])
def test_no_package_imports_the_other_side(package, path):
    assert not imported_packages(path) & FORBIDDEN[package]


def test_the_scan_sees_imports_at_any_depth(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "import os\nfrom . import x\ndef f():\n    from portal.db import y\n    import etl.load\n"
        "    importlib.import_module('streamlit')\n",
        encoding="utf-8",
    )
    assert imported_packages(source) == {"os", "portal", "etl", "streamlit"}


def _loaded_after(imports: str) -> set[str]:
    code = f"import sys\n{imports}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_importing_the_write_side_loads_nothing_of_the_read_side():
    loaded = _loaded_after("import etl.cli, etl.pipeline, etl.load, etl.publish, etl.incremental")
    assert {"etl", "core"} <= loaded
    assert "portal" not in loaded and "streamlit" not in loaded


def test_importing_the_read_side_loads_nothing_of_the_write_side():
    loaded = _loaded_after("import portal.db, portal.queries, portal.metrics, portal.summaries, portal.package")
    assert {"portal", "core"} <= loaded
    assert "etl" not in loaded
