from django.urls import path

from xinyu.web.orgadmin import views

app_name = "orgadmin"
urlpatterns = [
    path("", views.index, name="index"),
    path("cities/add/", views.add_city, name="add_city"),
    path("units/<id:pk>/", views.node, name="node"),
    path("units/<id:pk>/add/", views.add_child, name="add_child"),
    path("units/<id:pk>/edit/", views.edit, name="edit"),
    path("units/<id:pk>/close/", views.close, name="close"),
    path("units/<id:pk>/classes/add/", views.add_class, name="add_class"),
    path("units/<id:pk>/posts/add/", views.add_post, name="add_post"),
    path("classes/<id:pk>/", views.edit_class, name="edit_class"),
    path("posts/<id:pk>/end/", views.end_post, name="end_post"),
]
