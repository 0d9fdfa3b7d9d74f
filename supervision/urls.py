from django.urls import path

from supervision import views_approval as approval

app_name = "supervision"

urlpatterns = [
    # Data approval (数据审核): supervision.views_approval
    path("approval/", approval.approval_index, name="approval"),
    path("approval/school/<int:pk>/", approval.approval_school, name="approval_school"),
    path("approval/district/<int:pk>/", approval.approval_district, name="approval_district"),
    path("approval/city/", approval.approval_city, name="approval_city"),
    path("approval/school/<int:pk>/submit/", approval.approval_submit, name="approval_submit"),
    path("approval/<int:pk>/approve/", approval.approval_approve, name="approval_approve"),
    path("approval/<int:pk>/accept/", approval.approval_accept, name="approval_accept"),
    path("approval/<int:pk>/return/", approval.approval_return, name="approval_return"),
]
