from django.urls import path

from screening.campaigns import views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<id:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<id:pk>/preview/", views.campaign_preview, name="campaign_preview"),
    path("campaigns/<id:pk>/results/", views.results, name="results"),
    path("campaigns/<id:pk>/results/export.xlsx", views.results_export, name="results_export"),
    path("consent/", views.guardian_consent, name="guardian_consent"),
    path("consent/<str:token>/", views.consent_link, name="consent_link"),
    path("my/", views.my_screenings, name="mine"),
    path("answer/<id:pk>/", views.answer, name="answer"),
    path("answer/<id:pk>/done/", views.done, name="done"),
    path("response/<id:pk>/answer/", views.save_answer, name="save_answer"),
    path("response/<id:pk>/submit/", views.submit, name="submit"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<id:pk>/", views.review, name="review"),
    path("assignment/<id:pk>/absent/", views.mark_absent, name="mark_absent"),
    path("campaigns/<id:pk>/classes/<id:class_pk>/", views.class_roll, name="class_roll"),
    path("coverage/", views.coverage_list, name="coverage_list"),
    path("coverage/<id:pk>/", views.coverage, name="coverage"),
    path("coverage/<id:pk>/export.xlsx", views.coverage_export, name="coverage_export"),
]
