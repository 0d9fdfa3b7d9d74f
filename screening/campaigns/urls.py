from django.urls import path

from screening.campaigns import views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/results/", views.results, name="results"),
    path("campaigns/<int:pk>/results/export.xlsx", views.results_export, name="results_export"),
    path("consent/", views.guardian_consent, name="guardian_consent"),
    path("consent/<str:token>/", views.consent_link, name="consent_link"),
    path("my/", views.my_screenings, name="mine"),
    path("answer/<int:pk>/", views.answer, name="answer"),
    path("answer/<int:pk>/done/", views.done, name="done"),
    path("response/<int:pk>/answer/", views.save_answer, name="save_answer"),
    path("response/<int:pk>/submit/", views.submit, name="submit"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review, name="review"),
    path("assignment/<int:pk>/absent/", views.mark_absent, name="mark_absent"),
    path("campaigns/<int:pk>/classes/<int:class_pk>/", views.class_roll, name="class_roll"),
    path("coverage/", views.coverage_list, name="coverage_list"),
    path("coverage/<int:pk>/", views.coverage, name="coverage"),
    path("coverage/<int:pk>/export.xlsx", views.coverage_export, name="coverage_export"),
]
