from django.urls import path

from schoolwork import programs_views as programs

app_name = "schoolwork"
urlpatterns = [
    # Lessons, key times, staff training, five educations (R2.2, R3, R6–R8).
    path("lessons/", programs.lessons, name="lessons"),
    path("lessons/plans/", programs.lesson_plans, name="lesson_plans"),
    path("lessons/compliance/", programs.lesson_compliance, name="lesson_compliance"),
    path(
        "lessons/compliance/export.xlsx", programs.lesson_compliance_export, name="lesson_compliance_export"
    ),
]
urlpatterns += [
    path("trainings/", programs.trainings, name="trainings"),
    path("trainings/<int:pk>/", programs.training_detail, name="training"),
    path("trainings/<int:pk>/import/", programs.training_import, name="training_import"),
    path("trainings/coverage/", programs.training_coverage, name="training_coverage"),
    path("signin/<str:token>/", programs.training_signin, name="training_signin"),
]
