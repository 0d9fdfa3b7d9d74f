"""Routes of guardian contacts (in the ``care`` namespace; care/urls.py lists them)."""

from django.urls import path

from care.contacts import views

urlpatterns = [
    path("cases/<id:pk>/contacts/", views.contacts, name="contacts"),
]
