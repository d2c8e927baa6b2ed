"""An import of the project's own modules sits at the top of its module (docs/decisions/0063): one
inside a function hides a dependency from the reader and from the layers' contract, which
`make lint` checks. The kinds decision 63 keeps say so on their line; AppConfig.ready() is
Django's own place for them."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted(path.parent.name for path in ROOT.glob("*/apps.py"))


def imports_inside_functions() -> list[tuple[str, int, str]]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.name == "apps.py":
                continue
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines()
            for function in ast.walk(ast.parse(text)):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        names = (
                            [alias.name for alias in node.names]
                            if isinstance(node, ast.Import)
                            else [node.module or ""]
                        )
                        if any(name.split(".")[0] in APPS for name in names) or getattr(node, "level", 0):
                            where = str(path.relative_to(ROOT))
                            found.append((where, node.lineno, lines[node.lineno - 1]))
    return sorted(set(found))


def test_the_scan_finds_imports_inside_functions():
    where = {(path, line.strip()) for path, _, line in imports_inside_functions()}
    assert (
        "exchange/services.py",
        "from exchange.tasks import run_import_job  # tasks call these services back: decision 63",
    ) in where


def test_every_import_inside_a_function_is_one_decision_63_allows():
    unexplained = [f"{path}:{number}" for path, number, line in imports_inside_functions() if "decision 63" not in line]
    assert unexplained == []
