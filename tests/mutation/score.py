"""The score of a cosmic-ray session: mutants killed, and killed of the meaningful ones (a mutant
inside a type annotation changes nothing at run time, under `from __future__ import annotations`).

    python tests/mutation/score.py SESSION.sqlite [...]
"""

from __future__ import annotations

import ast
import sqlite3
import sys
from pathlib import Path


def annotation_spans(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    spans = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        annotations = []
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            annotations.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            annotations.append(node.returns)
        spans += [((a.lineno, a.col_offset), (a.end_lineno or a.lineno, a.end_col_offset or 0)) for a in annotations]
    return spans


def score(session: Path) -> tuple[str, int, int, int, int, list[str]]:
    db = sqlite3.connect(session)
    rows = db.execute("SELECT s.module_path, s.start_pos_row, s.start_pos_col, r.test_outcome, r.diff "
                      "FROM mutation_specs s JOIN work_results r USING (job_id)").fetchall()
    module = rows[0][0] if rows else "?"
    spans = annotation_spans(Path(module)) if rows else []
    total = killed = meaningful = meaningful_killed = 0
    survivors = []
    for _module, row, col, outcome, diff in rows:
        total += 1
        dead = outcome == "KILLED"
        killed += dead
        if any(start <= (row, col) <= end for start, end in spans):
            continue
        meaningful += 1
        meaningful_killed += dead
        if not dead:
            survivors.append(next((line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")), ""))
    return module, total, killed, meaningful, meaningful_killed, survivors


if __name__ == "__main__":
    for session in sys.argv[1:]:
        module, total, killed, meaningful, meaningful_killed, survivors = score(Path(session))
        print(f"{module}: {killed}/{total} killed; meaningful {meaningful_killed}/{meaningful} "
              f"({100 * meaningful_killed / max(meaningful, 1):.0f}%)")
        for line in survivors:
            print(f"  survived: {line.strip()}")
