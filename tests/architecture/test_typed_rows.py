"""Services hand typed rows to routes, presenters and other features, never `dict[str, Any]`: a
dict's keys are a contract nobody can check, and the same figure ended up under two names.

The scan reads every service module's functions (module level and methods) and fails on a public
one whose declared return type mentions `dict[str, Any]`. The exceptions below are not rows but
JSON documents, each for a named reader that wants a document."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "tracker"

# (module path under tracker/, function): why a JSON document is right there.
DOCUMENTS = {
    ("figures/service.py", "as_json"): "the figures API's response body",
    ("maturity/service.py", "counts"): "`tracker status --json`",
    ("returns/service.py", "status"): "`tracker status --json`",
    ("returns/service.py", "as_change_practice"): "an audit event's stored detail",
    ("organisations/import_service.py", "as_dict"): "an import report's stored JSON",
}


def _returns_dicts(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            if node.returns is not None and "dict[str, Any]" in ast.unparse(node.returns):
                found.append(node.name)
    return found


def test_no_service_returns_untyped_rows() -> None:
    services = sorted(p for p in ROOT.rglob("*.py") if p.name == "service.py" or p.name.endswith("_service.py"))
    assert len(services) > 20
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in services
        for name in _returns_dicts(path)
        if (str(path.relative_to(ROOT)), name) not in DOCUMENTS
    ]
    assert offenders == []


def test_every_exception_is_still_there() -> None:
    for (module, name), _why in DOCUMENTS.items():
        assert name in _returns_dicts(ROOT / module), f"{module}: {name} no longer returns a document; drop it here"
