from django.urls import path

from schoolwork.home import views as home
from schoolwork.programs import views as programs

app_name = "schoolwork"
urlpatterns = [
    # Lessons, key times, staff training, five educations (R2.2, R3, R6–R8).
    path("lessons/", programs.lessons, name="lessons"),
    path("lessons/plans/", programs.lesson_plans, name="lesson_plans"),
    path("lessons/compliance/", programs.lesson_compliance, name="lesson_compliance"),
    path(
        "lessons/compliance/export.xlsx", programs.lesson_compliance_export, name="lesson_compliance_export"
    ),
    # home–school work and governance ("home": R9, R10, R11, R14, R17)
    path("visits/", home.home_visits, name="home_visits"),
    path("visits/class/<int:pk>/", home.home_visit_class, name="home_visit_class"),
    path("visits/student/<int:pk>/new/", home.home_visit_new, name="home_visit_new"),
    path("parents/", home.parent_sessions, name="parent_sessions"),
    path("parents/<int:pk>/", home.parent_session, name="parent_session"),
    path("parents/<int:pk>/class/<int:class_pk>/", home.parent_attendance, name="parent_attendance"),
    path("attachments/<str:kind>/<int:pk>/add/", home.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", home.attachment, name="attachment"),
    path("guardians/class/<int:pk>/invitations/", home.guardian_invitations, name="guardian_invitations"),
    path("join/<str:token>/", home.guardian_join, name="guardian_join"),
    path("family/", home.guardian_home, name="guardian_home"),
    path("family/talk/", home.guardian_talk, name="guardian_talk"),
    path("family/openings/", home.guardian_openings, name="guardian_openings"),
    path("governance/meetings/", home.meetings, name="meetings"),
    path("governance/meetings/<int:pk>/", home.meeting, name="meeting"),
    path("governance/plans/", home.plans, name="plans"),
    path("governance/pilots/", home.pilots, name="pilots"),
    path("governance/cases/", home.cases, name="cases"),
    path("governance/cases/<int:pk>/", home.case, name="case"),
    path("resources/", home.resources, name="resources"),
    path("resources/<int:pk>/", home.resource, name="resource"),
]
urlpatterns += [
    path("trainings/", programs.trainings, name="trainings"),
    path("trainings/<int:pk>/", programs.training_detail, name="training"),
    path("trainings/<int:pk>/import/", programs.training_import, name="training_import"),
    path("trainings/coverage/", programs.training_coverage, name="training_coverage"),
    path("signin/<str:token>/", programs.training_signin, name="training_signin"),
]
urlpatterns += [
    path("keytimes/", programs.keytimes, name="keytimes"),
]
urlpatterns += [
    path("activities/", programs.activities, name="activities"),
]
urlpatterns += [
    path(
        "trainings/coverage/export.xlsx", programs.training_coverage_export, name="training_coverage_export"
    ),
]
