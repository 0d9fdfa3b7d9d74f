"""Routes of home–school work and governance (R9, R10, R11, R14, R17); listed by ``schoolwork.urls`` under the
``schoolwork`` namespace."""

from django.urls import path

from schoolwork.home import views

urlpatterns = [
    path("visits/", views.home_visits, name="home_visits"),
    path("visits/class/<id:pk>/", views.home_visit_class, name="home_visit_class"),
    path("visits/student/<id:pk>/new/", views.home_visit_new, name="home_visit_new"),
    path("parents/", views.parent_sessions, name="parent_sessions"),
    path("parents/<id:pk>/", views.parent_session, name="parent_session"),
    path("parents/<id:pk>/class/<id:class_pk>/", views.parent_attendance, name="parent_attendance"),
    path("attachments/<str:kind>/<id:pk>/add/", views.attachment_add, name="attachment_add"),
    path("attachments/<id:pk>/", views.attachment, name="attachment"),
    path("guardians/class/<id:pk>/invitations/", views.guardian_invitations, name="guardian_invitations"),
    path("join/<str:token>/", views.guardian_join, name="guardian_join"),
    path("family/", views.guardian_home, name="guardian_home"),
    path("family/talk/", views.guardian_talk, name="guardian_talk"),
    path("family/openings/", views.guardian_openings, name="guardian_openings"),
    path("governance/meetings/", views.meetings, name="meetings"),
    path("governance/meetings/<id:pk>/", views.meeting, name="meeting"),
    path("governance/plans/", views.plans, name="plans"),
    path("governance/pilots/", views.pilots, name="pilots"),
    path("governance/cases/", views.cases, name="cases"),
    path("governance/cases/<id:pk>/", views.case, name="case"),
    path("resources/", views.resources, name="resources"),
    path("resources/<id:pk>/", views.resource, name="resource"),
]
