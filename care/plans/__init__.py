"""干预方案 — a case's intervention plan, its actions ("my tasks") and safety plan (issue 4 item 5; R12); also the
guards the pathway shares (``PathwayError``, who reads and writes a case's plan, contacts and referrals)."""
