from django.urls import path

from xinyu.web.roster import views

app_name = "roster"
urlpatterns = [
    path("", views.index, name="index"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/columns/", views.columns, name="columns"),
    path("jobs/<int:pk>/progress/", views.progress, name="progress"),
    path("jobs/<int:pk>/report.xlsx", views.report, name="report"),
    path("templates/<str:kind>.<str:fmt>", views.template, name="template"),
]
