from django.urls import path

from access import security_views as views

app_name = "security"
urlpatterns = [
    path("", views.accounts, name="accounts"),
    path("accounts/<id:pk>/disable/", views.disable, name="disable"),
    path("accounts/<id:pk>/enable/", views.enable, name="enable"),
    path("accounts/<id:pk>/unlock/", views.unlock, name="unlock"),
    path("accounts/<id:pk>/reset-second-factor/", views.reset_second_factor, name="reset_mfa"),
]
