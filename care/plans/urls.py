"""Routes of plans and "my tasks" (in the ``care`` namespace; care/urls.py lists them)."""

from django.urls import path

from care.plans import views

urlpatterns = [
    path("cases/<id:pk>/plan/", views.plan, name="plan"),
    path("family/plans/", views.family_plans, name="family_plans"),
    path("family/plans/<id:pk>/read/", views.family_plan_read, name="family_plan_read"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/<id:pk>/done/", views.task_done, name="task_done"),
    path("tasks/crisis/<id:pk>/done/", views.crisis_step_done, name="crisis_step_done"),
]
