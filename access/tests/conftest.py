"""Figures the access tests print at the end of a session (a run without xdist: workers' counters stay in the
workers)."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter) -> None:
    import sys

    fuzz = sys.modules.get("access.tests.test_api_fuzz")
    if fuzz is not None and fuzz.CASES:
        per_persona = ", ".join(f"{persona} {n}" for persona, n in sorted(fuzz.CASES.items()))
        operations = len(fuzz._operations_in_schema())
        terminalreporter.write_line(
            f"API fuzz: {sum(fuzz.CASES.values())} cases over {operations} operations ({per_persona})"
        )
    matrix = sys.modules.get("access.tests.test_matrix")
    if matrix is not None and matrix.TRIED["requests"]:
        personas = len(matrix.PERSONAS)
        terminalreporter.write_line(
            f"Persona matrix: {matrix.TRIED['requests']} requests — {matrix.TRIED['routes']} routes × "
            f"({personas} personas + anonymous), each answer checked against the tier table; "
            f"{matrix.REFUSALS['audited']} refusals, each found once on the audit trail"
        )
