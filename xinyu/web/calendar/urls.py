from django.urls import path

from xinyu.web.calendar import views

app_name = "calendar"
urlpatterns = [
    path("", views.index, name="index"),
    path("rollover/", views.rollover_page, name="rollover"),
    path("rollover/<id:pk>/progress/", views.rollover_progress, name="rollover_progress"),
]
