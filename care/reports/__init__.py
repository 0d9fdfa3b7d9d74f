"""学生异常情况报告 — abnormality reports: filed by any staff member, triaged by the psychological teacher (issue 4;
R2.3)."""
