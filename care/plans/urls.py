"""Routes of plans, guardian contacts, referrals, tasks and the institution registry (in the ``care``
namespace; care/urls.py appends them)."""

from django.urls import path

from care.plans import views

urlpatterns = [
    path("cases/<int:pk>/plan/", views.plan, name="plan"),
    path("cases/<int:pk>/contacts/", views.contacts, name="contacts"),
    path("cases/<int:pk>/referrals/", views.case_referrals, name="case_referrals"),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/move/", views.referral_move, name="referral_move"),
    path("referrals/<int:pk>/feedback/", views.referral_feedback, name="referral_feedback"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("tasks/crisis/<int:pk>/done/", views.crisis_step_done, name="crisis_step_done"),
    path("institutions/", views.institutions, name="institutions"),
]
