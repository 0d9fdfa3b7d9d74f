"""家校联系 — guardian contacts of a case: the log and the "contact the parents promptly" deadline (issue 4 item 6;
R12 joint prevention with parents)."""
