from django.urls import path

from care.alerts import views
from care.cases import views as cases_views
from care.channels import receipts
from care.corrections import views as correction_views
from care.file import views as file_views
from care.guardian_export import views as export_views
from care.reports import views as reports_views

app_name = "care"
urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/channels/", views.notification_channels, name="notification_channels"),
    path("channels/receipts/<str:provider>/<str:token>/", receipts.receipt, name="channel_receipt"),
    # 一人一档 — the student file (issue 4 item 1)
    path("students/<int:pk>/file/", file_views.file_detail, name="file_detail"),
    path("students/<int:pk>/file/print/", file_views.file_print, name="file_print"),
    path("students/<int:pk>/file/pdf/", file_views.file_pdf, name="file_pdf"),
    # 个人信息副本 — a guardian's copy of their child's records (issue 8 item 6, PIPL Art. 45)
    path("family/export/", export_views.guardian_export_page, name="guardian_export"),
    path(
        "family/export/<int:pk>/download/",
        export_views.guardian_export_download,
        name="guardian_export_download",
    ),
    # 更正 — corrections of identity and contact data (PIPL Art. 46)
    path("corrections/new/", correction_views.correction_new, name="correction_new"),
    path("corrections/", correction_views.correction_queue, name="correction_queue"),
    path("corrections/<int:pk>/decide/", correction_views.correction_decide, name="correction_decide"),
]

# --- Plans, guardian contacts, referrals, tasks, partner institutions (plans) -----------------------------------
from care.plans.urls import urlpatterns as _plans_urls  # noqa: E402

urlpatterns += _plans_urls

# --- Abnormality reports and cases (issue 4: "cases") ----------------------------------------------------------
urlpatterns += [
    path("reports/", reports_views.report_queue, name="report_queue"),
    path("reports/new/", reports_views.report_new, name="report_new"),
    path("reports/mine/", reports_views.report_mine, name="report_mine"),
    path("reports/<int:pk>/", reports_views.report_detail, name="report_detail"),
    path("cases/", cases_views.case_list, name="case_list"),
    path("cases/open/<int:student_pk>/", cases_views.case_open, name="case_open"),
    path("cases/follow-ups/", cases_views.follow_up_list, name="follow_up_list"),
    path("cases/<int:pk>/", cases_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/<slug:action>/", cases_views.case_action, name="case_action"),
]
