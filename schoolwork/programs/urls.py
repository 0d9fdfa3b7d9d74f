"""Routes of the school programs — lessons, key times, staff training, five educations (R2.2, R3, R6–R8); listed
by ``schoolwork.urls`` under the ``schoolwork`` namespace."""

from django.urls import path

from schoolwork.programs import views

urlpatterns = [
    path("lessons/", views.lessons, name="lessons"),
    path("lessons/plans/", views.lesson_plans, name="lesson_plans"),
    path("lessons/compliance/", views.lesson_compliance, name="lesson_compliance"),
    path("lessons/compliance/export.xlsx", views.lesson_compliance_export, name="lesson_compliance_export"),
    path("trainings/", views.trainings, name="trainings"),
    path("trainings/<id:pk>/", views.training_detail, name="training"),
    path("trainings/<id:pk>/import/", views.training_import, name="training_import"),
    path("trainings/coverage/", views.training_coverage, name="training_coverage"),
    path("trainings/hours/", views.training_hours, name="training_hours"),
    path("trainings/coverage/export.xlsx", views.training_coverage_export, name="training_coverage_export"),
    path("signin/<str:token>/", views.training_signin, name="training_signin"),
    path("keytimes/", views.keytimes, name="keytimes"),
    path("activities/", views.activities, name="activities"),
]
