from django.urls import path

from xinyu.web.calendar import views

app_name = "calendar"
urlpatterns = [
    path("", views.index, name="index"),
    path("semesters/<id:pk>/", views.semesters, name="semesters"),
    path("semesters/<id:pk>/follow/<id:semester>/", views.follow_city, name="follow_city"),
    path("rollover/", views.rollover_page, name="rollover"),
    path("rollover/<id:pk>/progress/", views.rollover_progress, name="rollover_progress"),
]
