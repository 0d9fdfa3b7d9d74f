from django.urls import path

from xinyu.web.orgadmin import views

app_name = "orgadmin"
urlpatterns = [
    path("", views.index, name="index"),
    path("units/<int:pk>/", views.node, name="node"),
    path("units/<int:pk>/add/", views.add_child, name="add_child"),
    path("units/<int:pk>/edit/", views.edit, name="edit"),
    path("units/<int:pk>/close/", views.close, name="close"),
    path("units/<int:pk>/classes/add/", views.add_class, name="add_class"),
    path("units/<int:pk>/posts/add/", views.add_post, name="add_post"),
    path("classes/<int:pk>/", views.edit_class, name="edit_class"),
    path("posts/<int:pk>/end/", views.end_post, name="end_post"),
]
