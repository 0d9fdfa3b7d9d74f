"""Dashboard pages, under ``/supervision/`` in the ``supervision`` namespace (supervision/urls.py)."""

from django.urls import path

from supervision.dashboards import views

urlpatterns = [
    path("", views.index, name="index"),
    path("recompute/", views.recompute, name="recompute"),
    path("<int:node>/trend/<str:indicator>/", views.trend, name="trend"),
    path("<int:node>/<str:period>/", views.dashboard, name="dashboard"),
    path("<int:node>/<str:period>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<int:node>/<str:period>/report.pdf", views.export_pdf, name="export_pdf"),
]
