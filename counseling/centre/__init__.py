"""区心理咨询中心 — the district counseling centre and the 24-hour message platform (R4.2)."""
