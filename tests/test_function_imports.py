"""Issue 13: a project import inside a function hides an arrow of the layer graph from the reader and from
import-linter's eye; each one left must say why on its line (`# lazy: …`), e.g. that it keeps Scrapy out of
the start-up of commands that do not crawl."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("archive", "scraper", "pipeline")


def _is_project(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] in PACKAGES
    return any(a.name.split(".")[0] in PACKAGES for a in node.names)


def function_level_imports(source: str) -> list[tuple[int, str]]:
    """(line, text) of each project import inside a function body, without a `# lazy:` reason."""
    lines = source.splitlines()
    out = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Import | ast.ImportFrom) and _is_project(node):
                text = " ".join(lines[node.lineno - 1:node.end_lineno])
                if "# lazy:" not in text:
                    out.append((node.lineno, lines[node.lineno - 1].strip()))
    return out


def test_the_finder_sees_an_import_in_a_function_and_accepts_a_reason():
    src = ("import os\nfrom archive import store\n\ndef f():\n    from archive.schema import connect\n"
           "    from scrapy import Request\n    import pipeline.limits  # lazy: a reason\n    return connect\n")
    assert function_level_imports(src) == [(5, "from archive.schema import connect")]


def test_every_function_level_project_import_says_why():
    found = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            hits = function_level_imports(path.read_text(encoding="utf-8"))
            if hits:
                found[str(path.relative_to(ROOT))] = hits
    assert found == {}, f"function-level project imports without a '# lazy:' reason: {found}"
