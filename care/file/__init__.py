"""一人一档 — the student file: one timeline per student across years and schools, gathered from the providers that
register with ``care.file.timeline``; print and PDF for an authorised transfer (issue 4 item 1; R5.2)."""
