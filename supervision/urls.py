"""The supervision pages, one namespace (``supervision:``): each sub-domain lists its own paths and names."""

from django.urls import include, path

app_name = "supervision"

urlpatterns = [
    # The daily board of district and city officers (今日待办, issue 20): the drill-down of each count.
    path("today/", include("supervision.daily.urls")),
    # Dashboards (issue 7 deliverable 3): city → district → school per period; trends; Excel and PDF.
    path("", include("supervision.dashboards.urls")),
    # Data approval (数据审核): school submits → district approves → city accepts.
    path("approval/", include("supervision.approval.urls")),
    # Inspections (督导检查, R18): checklists, findings, rectification tasks.
    path("inspections/", include("supervision.inspections.urls")),
]
