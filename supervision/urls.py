from django.urls import path

from supervision.approval import views as approval
from supervision.dashboards import views
from supervision.inspections import views as insp

app_name = "supervision"

urlpatterns = [
    # Dashboards (issue 7 deliverable 3): city → district → school per period; trends; Excel and PDF.
    path("", views.index, name="index"),
    path("recompute/", views.recompute, name="recompute"),
    path("<int:node>/trend/<str:indicator>/", views.trend, name="trend"),
    path("<int:node>/<str:period>/", views.dashboard, name="dashboard"),
    path("<int:node>/<str:period>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<int:node>/<str:period>/report.pdf", views.export_pdf, name="export_pdf"),
    # Data approval (数据审核): supervision.approval.views
    path("approval/", approval.approval_index, name="approval"),
    path("approval/school/<int:pk>/", approval.approval_school, name="approval_school"),
    path("approval/district/<int:pk>/", approval.approval_district, name="approval_district"),
    path("approval/city/", approval.approval_city, name="approval_city"),
    path("approval/school/<int:pk>/submit/", approval.approval_submit, name="approval_submit"),
    path("approval/<int:pk>/approve/", approval.approval_approve, name="approval_approve"),
    path("approval/<int:pk>/accept/", approval.approval_accept, name="approval_accept"),
    path("approval/<int:pk>/return/", approval.approval_return, name="approval_return"),
    # Inspections (督导检查, R18): supervision.inspections.views
    path("inspections/", insp.inspection_list, name="inspections"),
    path("inspections/new/", insp.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", insp.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/tasks/new/", insp.inspection_task_new, name="inspection_task_new"),
    path("inspections/<int:pk>/close/", insp.inspection_close, name="inspection_close"),
    path("inspections/<int:pk>/export.xlsx", insp.inspection_export, name="inspection_export"),
    path("inspections/items/<int:pk>/finding/", insp.inspection_finding, name="inspection_finding"),
    path("inspections/tasks/", insp.rectification_tasks, name="rectification_tasks"),
    path("inspections/tasks/<int:pk>/done/", insp.task_done, name="task_done"),
    path("inspections/tasks/<int:pk>/note/", insp.task_note, name="task_note"),
    path("inspections/tasks/<int:pk>/verify/", insp.task_verify, name="task_verify"),
]
