"""个案 — cases: opening one, its status, team, crisis checklist (危机干预), follow-ups (动态跟踪) and disclosures
(issue 4; R12, R15)."""
