from django.urls import path

from supervision import views
from supervision import views_approval as approval

app_name = "supervision"

urlpatterns = [
    # Dashboards (issue 7 deliverable 3): city → district → school per period; trends; Excel and PDF.
    path("", views.index, name="index"),
    path("recompute/", views.recompute, name="recompute"),
    path("<int:node>/trend/<str:indicator>/", views.trend, name="trend"),
    path("<int:node>/<str:period>/", views.dashboard, name="dashboard"),
    path("<int:node>/<str:period>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<int:node>/<str:period>/report.pdf", views.export_pdf, name="export_pdf"),
    # Data approval (数据审核): supervision.views_approval
    path("approval/", approval.approval_index, name="approval"),
    path("approval/school/<int:pk>/", approval.approval_school, name="approval_school"),
    path("approval/district/<int:pk>/", approval.approval_district, name="approval_district"),
    path("approval/city/", approval.approval_city, name="approval_city"),
    path("approval/school/<int:pk>/submit/", approval.approval_submit, name="approval_submit"),
    path("approval/<int:pk>/approve/", approval.approval_approve, name="approval_approve"),
    path("approval/<int:pk>/accept/", approval.approval_accept, name="approval_accept"),
    path("approval/<int:pk>/return/", approval.approval_return, name="approval_return"),
]
