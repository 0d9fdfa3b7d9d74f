"""个人信息副本 — a guardian's copy of their child's records (issue 8 item 6, PIPL Art. 45)."""
