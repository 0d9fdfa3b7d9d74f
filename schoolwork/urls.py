from schoolwork.funding.urls import urlpatterns as funding_urlpatterns
from schoolwork.home.urls import urlpatterns as home_urlpatterns
from schoolwork.programs.urls import urlpatterns as programs_urlpatterns

app_name = "schoolwork"
urlpatterns: list = [
    *programs_urlpatterns,  # lessons, key times, staff training, five educations (R2.2, R3, R6–R8)
    *home_urlpatterns,  # home–school work and governance (R9, R10, R11, R14, R17)
    *funding_urlpatterns,  # mental-health funding (R16)
]
