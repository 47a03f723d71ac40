"""The code's shape, checked: imports run one way and files stay small.

In: the import-graph contracts in pyproject.toml's `[tool.importlinter]` (layers from the faces down to the store,
no cycles between the modules of a package, nothing at run time importing `training/`) and every Python file of the
project (run-time packages, training, benchmarks, tests, docs). Out: a failure naming the import that breaks a
contract, or the file over 500 lines or class over 300 lines (docs/architecture.md, "Layers").
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_FILE_LINES = 500
MAX_CLASS_LINES = 300
CHECKED = ["agent", "vectorstore", "web", "sources", "app.py", "training", "benchmarks", "tests", "docs"]


def test_imports_keep_the_contracts():
    from importlinter import api  # noqa: F401  (importing it configures import-linter's adapters)
    from importlinter.application import use_cases

    kept = use_cases.lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)
    assert kept, "an import breaks a contract in pyproject.toml [tool.importlinter]: see the report above"


def source_files() -> list[Path]:
    files = []
    for name in CHECKED:
        path = ROOT / name
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def long_classes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    return [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in classes
        if node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES
    ]


def test_files_and_classes_stay_small():
    too_long = []
    for path in source_files():
        name = path.relative_to(ROOT).as_posix()
        if line_count(path) > MAX_FILE_LINES:
            too_long.append(f"{name}: {line_count(path)} lines")
        too_long += [f"{name}: class {found}" for found in long_classes(path)]
    assert not too_long, f"over {MAX_FILE_LINES} lines a file or {MAX_CLASS_LINES} a class: {too_long}"
