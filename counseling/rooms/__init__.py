"""心理辅导室 — the school counseling room (issue 5 part 1): rooms, duty roster, appointment slots, appointments,
session records, workload and the links out to the city's platform and hotlines (R1.3, R4.1, R4.3)."""
