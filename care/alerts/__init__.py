"""预警 — confirmed risk levels and alerts: raised, notified, escalated on their route until acknowledged (issue 3,
issue 15; R5.3). The school-time calendar (deadlines), the levels, the duty registries (responders) and the timers
higher apps add to the escalation beat are here too."""
