"""Only a transport adapter may import a messaging platform's library."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]
PLATFORM_LIBRARIES = {"telegram": "telegram", "nio": "matrix"}


def test_platform_libraries_stay_in_their_adapter() -> None:
    offenders = []
    for folder in ("bot", "handlers", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    allowed = ROOT / "bot" / "transports" / PLATFORM_LIBRARIES.get(top, "")
                    if top in PLATFORM_LIBRARIES and allowed not in path.parents:
                        offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []
