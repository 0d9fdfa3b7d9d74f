"""Inspection pages (R18), under ``/supervision/inspections/`` in the ``supervision`` namespace
(supervision/urls.py)."""

from django.urls import path

from supervision.inspections import views

urlpatterns = [
    path("", views.inspection_list, name="inspections"),
    path("new/", views.inspection_new, name="inspection_new"),
    path("<id:pk>/", views.inspection_detail, name="inspection"),
    path("<id:pk>/tasks/new/", views.inspection_task_new, name="inspection_task_new"),
    path("<id:pk>/close/", views.inspection_close, name="inspection_close"),
    path("<id:pk>/export.xlsx", views.inspection_export, name="inspection_export"),
    path("items/<id:pk>/finding/", views.inspection_finding, name="inspection_finding"),
    path("tasks/", views.rectification_tasks, name="rectification_tasks"),
    path("tasks/<id:pk>/done/", views.task_done, name="task_done"),
    path("tasks/<id:pk>/note/", views.task_note, name="task_note"),
    path("tasks/<id:pk>/verify/", views.task_verify, name="task_verify"),
]
