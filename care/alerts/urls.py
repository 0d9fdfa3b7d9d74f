"""Routes of alerts (in the ``care`` namespace; care/urls.py lists them)."""

from django.urls import path

from care.alerts import views

urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<id:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<id:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
]
