"""工作量 — the registry of workload sources that higher apps fill (R1.3)."""
