from django.urls import path

from access import views

app_name = "access"
urlpatterns = [
    path("", views.trail, name="trail"),
    path("export.jsonl", views.export, name="export"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/review/", views.break_glass_review, name="break_glass_review"),
]
