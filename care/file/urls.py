"""Routes of the student file (一人一档 — issue 4 item 1; in the ``care`` namespace; care/urls.py lists them)."""

from django.urls import path

from care.file import views

urlpatterns = [
    path("students/<id:pk>/file/", views.file_detail, name="file_detail"),
    path("students/<id:pk>/file/print/", views.file_print, name="file_print"),
    path("students/<id:pk>/file/pdf/", views.file_pdf, name="file_pdf"),
]
