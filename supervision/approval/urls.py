"""Data-approval pages, under ``/supervision/approval/`` in the ``supervision`` namespace (supervision/urls.py)."""

from django.urls import path

from supervision.approval import views

urlpatterns = [
    path("", views.approval_index, name="approval"),
    path("school/<id:pk>/", views.approval_school, name="approval_school"),
    path("district/<id:pk>/", views.approval_district, name="approval_district"),
    path("city/", views.approval_city, name="approval_city"),
    path("school/<id:pk>/submit/", views.approval_submit, name="approval_submit"),
    path("<id:pk>/approve/", views.approval_approve, name="approval_approve"),
    path("<id:pk>/accept/", views.approval_accept, name="approval_accept"),
    path("<id:pk>/return/", views.approval_return, name="approval_return"),
]
