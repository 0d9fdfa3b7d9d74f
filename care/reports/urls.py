"""Routes of abnormality reports (学生异常情况报告; in the ``care`` namespace; care/urls.py lists them)."""

from django.urls import path

from care.reports import views

urlpatterns = [
    path("reports/", views.report_queue, name="report_queue"),
    path("reports/new/", views.report_new, name="report_new"),
    path("reports/mine/", views.report_mine, name="report_mine"),
    path("reports/<id:pk>/", views.report_detail, name="report_detail"),
]
