from django.urls import path

from xinyu.web.people import views

app_name = "org"
urlpatterns = [
    path("schools/", views.school_list, name="school_list"),
    path("classes/", views.class_list, name="class_list"),
    path("students/", views.student_list, name="student_list"),
    path("students/<id:pk>/", views.student_detail, name="student_detail"),
]
