from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access.routes import policy
from access.tiers import Tier
from xinyu.web.home import cards_for


@login_required
@policy(Tier.T0, "self", "the user's posts, T0 counts of their scope, links; cards from later apps")
def home(request: HttpRequest) -> HttpResponse:
    """首页 — what this person has to do today (cards registered by each app)."""
    return render(request, "web/home.html", {"cards": cards_for(request)})
