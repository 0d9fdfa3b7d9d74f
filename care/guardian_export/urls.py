"""Routes of a guardian's copy of their child's records (个人信息副本 — issue 8 item 6, PIPL Art. 45; in the
``care`` namespace; care/urls.py lists them)."""

from django.urls import path

from care.guardian_export import views

urlpatterns = [
    path("family/export/", views.guardian_export_page, name="guardian_export"),
    path("family/export/<id:pk>/download/", views.guardian_export_download, name="guardian_export_download"),
]
