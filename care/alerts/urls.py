"""Routes of alerts and of the user's notifications (in the ``care`` namespace; care/urls.py lists them)."""

from django.urls import path

from care.alerts import views
from care.channels import receipts

urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/channels/", views.notification_channels, name="notification_channels"),
    path("channels/receipts/<str:provider>/<str:token>/", receipts.receipt, name="channel_receipt"),
]
