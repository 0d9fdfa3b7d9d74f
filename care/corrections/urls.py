"""Routes of corrections of identity and contact data (更正 — PIPL Art. 46; in the ``care`` namespace; care/urls.py
lists them)."""

from django.urls import path

from care.corrections import views

urlpatterns = [
    path("corrections/new/", views.correction_new, name="correction_new"),
    path("corrections/", views.correction_queue, name="correction_queue"),
    path("corrections/<id:pk>/decide/", views.correction_decide, name="correction_decide"),
]
