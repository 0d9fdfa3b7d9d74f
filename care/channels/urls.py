"""Routes of a person's notifications and channels, and the providers' delivery receipts (in the ``care``
namespace; care/urls.py lists them)."""

from django.urls import path

from care.channels import receipts, views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/channels/", views.notification_channels, name="notification_channels"),
    path("channels/receipts/<str:provider>/<str:token>/", receipts.receipt, name="channel_receipt"),
]
