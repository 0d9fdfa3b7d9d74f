"""Routes of cases (个案; in the ``care`` namespace; care/urls.py lists them after the plan's, contacts' and
referrals' ``cases/<pk>/…`` routes, which ``cases/<pk>/<action>/`` would otherwise catch)."""

from django.urls import path

from care.cases import views

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/open/<id:student_pk>/", views.case_open, name="case_open"),
    path("cases/follow-ups/", views.follow_up_list, name="follow_up_list"),
    path("cases/<id:pk>/", views.case_detail, name="case_detail"),
    path("cases/<id:pk>/<slug:action>/", views.case_action, name="case_action"),
]
