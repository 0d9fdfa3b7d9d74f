from django.urls import path

from xinyu.web.roster import views

app_name = "roster"
urlpatterns = [
    path("", views.index, name="index"),
    path("jobs/<id:pk>/", views.job, name="job"),
    path("jobs/<id:pk>/columns/", views.columns, name="columns"),
    path("jobs/<id:pk>/progress/", views.progress, name="progress"),
    path("jobs/<id:pk>/report.xlsx", views.report, name="report"),
    path("templates/<str:kind>.<str:fmt>", views.template, name="template"),
]
