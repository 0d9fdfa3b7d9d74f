"""更正 — requests to correct identity and contact data, and their review (PIPL Art. 46)."""
