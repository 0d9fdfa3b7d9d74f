"""转介 — partner institutions (合作机构) and referrals of a case's student to them, step by step (issue 4 item 7;
R13)."""
