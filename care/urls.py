from django.urls import path

from care import file_views, views

app_name = "care"
urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    # 一人一档 — the student file (issue 4 item 1)
    path("students/<int:pk>/file/", file_views.file_detail, name="file_detail"),
    path("students/<int:pk>/file/print/", file_views.file_print, name="file_print"),
    path("students/<int:pk>/file/pdf/", file_views.file_pdf, name="file_pdf"),
]

# --- Plans, guardian contacts, referrals, tasks, partner institutions (plans) -----------------------------------
from care.plans.urls import urlpatterns as _plans_urls  # noqa: E402

urlpatterns += _plans_urls
