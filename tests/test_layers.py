"""The import layering docs/architecture.md promises, checked on the source (no imports executed)."""

from __future__ import annotations

import ast
from pathlib import Path

QRW = Path(__file__).resolve().parents[1] / "qrw"


def _module(path: Path) -> str:
    parts = list(path.relative_to(QRW.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """qrw modules ``path`` imports (module-level or inside functions), relative imports resolved."""
    package = _module(path).split(".") if path.name == "__init__.py" else _module(path).split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join(base + ([node.module] if node.module else []))
            out.add(name)
            out.update(f"{name}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m == "qrw" or m.startswith("qrw.")}


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in QRW.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules} for name, path in modules.items()}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_training_imports_no_inference_engine():
    graph = _graph()
    for name in sorted(m for m in graph if m.startswith("qrw.train")):
        engines = {m for m in _reachable(graph, name) if m == "qrw.engine" or m.startswith("qrw.engine.")}
        assert not engines, f"{name} reaches {sorted(engines)}: training must not need an inference engine"


def test_the_check_sees_an_engine_import_when_there_is_one():
    graph = _graph()
    assert "qrw.engine.base" in _reachable(graph, "qrw.engine.relevance")  # the negative control
