"""The shape of the code in figures (issue 14): pairs of apps that import each other, imports inside
functions, the largest modules, `Any` and `type: ignore`. Run from the repository's root:

    .venv/bin/python scripts/house.py [--list]

Reads the source as text and syntax trees; imports nothing of the project. Tests, migrations and
the virtual environment are left out."""

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 800  # lines a module may have (style guide)


def apps() -> list[str]:
    return sorted(p.parent.name for p in ROOT.glob("*/apps.py"))


def modules(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or ""] if node.level == 0 else []


def in_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    parent = parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
            return True
        parent = parents.get(parent)
    return False


def main() -> None:
    listing = "--list" in sys.argv
    names = apps()
    edges: dict[str, set[str]] = defaultdict(set)
    local_imports: list[str] = []
    sizes: list[tuple[int, str]] = []
    by_any = any_count = ignores = 0
    for app in names:
        for path in modules(app):
            text = path.read_text(encoding="utf-8")
            where = str(path.relative_to(ROOT))
            sizes.append((text.count("\n"), where))
            by_any += len(re.findall(r"\bby: Any\b", text))
            any_count += len(re.findall(r"\bAny\b", text)) - len(re.findall(r"import .*\bAny\b", text))
            ignores += text.count("type: ignore")
            tree = ast.parse(text)
            parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
            for node in ast.walk(tree):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                for module in imported_modules(node):
                    top = module.split(".")[0]
                    if top not in names:
                        continue
                    if top != app:
                        edges[app].add(top)
                    # An app config's `ready()` (and what it calls) imports what it registers: Django
                    # loads the models only before ready() runs. Those are not counted.
                    if in_function(node, parents) and path.name != "apps.py":
                        local_imports.append(f"{where}:{node.lineno} {module}")
    mutual = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, set())})
    sizes.sort(reverse=True)
    print(f"apps: {len(names)}")
    print(f"pairs of apps that import each other: {len(mutual)}")
    print(f"imports of the project's modules inside functions: {len(local_imports)}")
    print(f"largest module: {sizes[0][1]} ({sizes[0][0]} lines)")
    print(f"modules over {LIMIT} lines: {sum(1 for lines, _ in sizes if lines > LIMIT)}")
    print(f"`by: Any`: {by_any}; `Any` in annotations and casts: {any_count}; `type: ignore`: {ignores}")
    if listing:
        print("\npairs:", *(f"  {a} <-> {b}" for a, b in mutual), sep="\n")
        print("\nimports inside functions:", *(f"  {line}" for line in local_imports), sep="\n")
        print("\nmodules over the limit:", *(f"  {w} {n}" for n, w in sizes if n > LIMIT), sep="\n")


if __name__ == "__main__":
    main()
