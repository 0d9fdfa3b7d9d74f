"""Dashboard pages, under ``/supervision/`` in the ``supervision`` namespace (supervision/urls.py)."""

from django.urls import path

from supervision.dashboards import views

urlpatterns = [
    path("", views.index, name="index"),
    path("recompute/", views.recompute, name="recompute"),
    path("<id:node>/trend/<str:indicator>/", views.trend, name="trend"),
    path("<id:node>/<str:period>/", views.dashboard, name="dashboard"),
    path("<id:node>/<str:period>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<id:node>/<str:period>/report.pdf", views.export_pdf, name="export_pdf"),
]
