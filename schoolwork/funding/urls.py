"""Routes of mental-health funding (R16); listed by ``schoolwork.urls`` under the ``schoolwork`` namespace."""

from django.urls import path

from schoolwork.funding import views

urlpatterns = [
    path("funding/", views.funding, name="funding"),
    path("funding/import/", views.funding_import, name="funding_import"),
    path("funding/export.xlsx", views.funding_export, name="funding_export"),
]
