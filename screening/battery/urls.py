from django.urls import path

from screening.battery import views

urlpatterns = [
    path("licences/", views.licences, name="licences"),
    path("default-battery/", views.default_battery, name="default_battery"),
]
