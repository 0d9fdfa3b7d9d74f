"""Data-approval pages, under ``/supervision/approval/`` in the ``supervision`` namespace (supervision/urls.py)."""

from django.urls import path

from supervision.approval import views

urlpatterns = [
    path("", views.approval_index, name="approval"),
    path("school/<int:pk>/", views.approval_school, name="approval_school"),
    path("district/<int:pk>/", views.approval_district, name="approval_district"),
    path("city/", views.approval_city, name="approval_city"),
    path("school/<int:pk>/submit/", views.approval_submit, name="approval_submit"),
    path("<int:pk>/approve/", views.approval_approve, name="approval_approve"),
    path("<int:pk>/accept/", views.approval_accept, name="approval_accept"),
    path("<int:pk>/return/", views.approval_return, name="approval_return"),
]
