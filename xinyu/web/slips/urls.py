from django.urls import path

from xinyu.web.slips import views

app_name = "slips"
urlpatterns = [
    path("class/<id:pk>/", views.class_slips, name="class"),
    path("staff/", views.staff_activation, name="staff"),
]
