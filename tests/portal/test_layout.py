"""Layout rules from STYLE.md, checked on the source: who imports streamlit, what pages do, module sizes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STREAMLIT_ALLOWED = {"app.py", "portal/cache.py", "portal/ui.py"}
PAGE_FORBIDDEN_IMPORTS = {"sqlalchemy", "pandas", "pydeck", "json", "csv", "pathlib.Path.open"}
PY_FILES = sorted([ROOT / "app.py", *(ROOT / "portal").glob("*.py"), *(ROOT / "pages").glob("*.py")])


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", PY_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_app_pages_cache_and_ui_import_streamlit(path):
    rel = str(path.relative_to(ROOT))
    if rel in STREAMLIT_ALLOWED or rel.startswith("pages/"):
        return
    assert "streamlit" not in _imports(path), f"{rel} imports streamlit"


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_stay_thin(path):
    source = path.read_text(encoding="utf-8")
    assert not (_imports(path) & PAGE_FORBIDDEN_IMPORTS), "pages call portal/, not SQL or files"
    calls = {n.func.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "open" not in calls
    assert "cache_resource" not in source and "cache_data" not in source  # caching lives in portal.cache
    assert len(source.splitlines()) <= 120


def test_caches_take_the_release_version():
    tree = ast.parse((ROOT / "portal" / "cache.py").read_text(encoding="utf-8"))
    cached = [
        f
        for f in tree.body
        if isinstance(f, ast.FunctionDef) and any("cache_data" in ast.unparse(d) for d in f.decorator_list)
    ]
    assert len(cached) >= 10
    for func in cached:
        assert [a.arg for a in func.args.args[:2]] == ["url", "version"], func.name


# Every module of the read side, the write side and what they share; a longer one needs a reason.
SIZED = sorted([*PY_FILES, *(ROOT / "etl").rglob("*.py"), *(ROOT / "core").rglob("*.py")])
LONGER_FOR_A_REASON = {
    "etl/profile.py": "KEYS declares every profile key with its type, default and help text, as data",
    "etl/sources/csv.py": "the CSV reader and its paced read-ahead, owned by the source adapters' work",
}


@pytest.mark.parametrize("path", SIZED, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= (400 if str(path.relative_to(ROOT)) in LONGER_FOR_A_REASON else 300)


def test_cache_resource_only_for_the_engine():
    tree = ast.parse((ROOT / "portal" / "cache.py").read_text(encoding="utf-8"))
    resources = [
        f.name
        for f in tree.body
        if isinstance(f, ast.FunctionDef) and any("cache_resource" in ast.unparse(d) for d in f.decorator_list)
    ]
    assert resources == ["engine"]
