"""Print one-time consent links for the guardians whose consent a campaign still needs (R5.3 consent).

    python manage.py consent_links --campaign 3 [--school S-A] [--base https://xinyu.example.cn] > links.csv

The CSV (guardian, phone, student, class, link) is for the school's SMS or printed QR slips. Only the hash of
each token is stored: the links exist in this output alone, so keep the file as carefully as a password list.
"""

from __future__ import annotations

import csv
import sys

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from org.models import Node
from screening.campaigns import services
from screening.campaigns.models import Assignment, Campaign


class Command(BaseCommand):
    help = "Issue one-time consent links for a campaign and print them as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, required=True)
        parser.add_argument("--school", help="school code (default: every school of the campaign)")
        parser.add_argument("--base", default="", help="scheme and host to put in front of each link")

    def handle(self, *args, campaign: int, school: str | None, base: str, **options):
        c = Campaign.objects.filter(pk=campaign).first()
        if c is None:
            raise CommandError(f"no campaign {campaign}")
        node = None
        if school:
            node = Node.objects.filter(code=school, kind="school").first()
            if node is None:
                raise CommandError(f"no school with code {school}")
        issued = services.issue_consent_requests(campaign=c, school=node)
        classes = dict(Assignment.objects.filter(campaign=c).values_list("student_id", "school_class__name"))
        out = csv.writer(self.stdout if self.stdout else sys.stdout)
        out.writerow(["guardian", "phone", "student", "class", "link", "expires"])
        for req, token in issued:
            link = base.rstrip("/") + reverse("screening:consent_link", kwargs={"token": token})
            out.writerow(
                [
                    req.guardian.name,
                    req.guardian.phone,
                    req.student.name,
                    classes.get(req.student_id) or "",
                    link,
                    req.expires_at.isoformat(timespec="minutes"),
                ]
            )
