"""The daily board's drill-downs, under ``/supervision/today/`` in the ``supervision`` namespace."""

from django.urls import path

from supervision.daily import views

urlpatterns = [
    path("<str:item>/", views.daily_item, name="daily_item"),
]
