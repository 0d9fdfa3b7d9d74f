from django.urls import path

from access import views

app_name = "access"
urlpatterns = [
    path("", views.trail, name="trail"),
    path("export.jsonl", views.export, name="export"),
]
