from django.urls import path

from access import activation_views, auth_views

app_name = "auth"
urlpatterns = [
    path("login/2fa/", auth_views.mfa_code, name="mfa"),
    path("login/2fa/enrol/", auth_views.enrol, name="enrol"),
    path("activate/", activation_views.activate, name="activate"),
    path("activate/password/", activation_views.activate_password, name="activate_password"),
    path("login/again/", auth_views.reauth, name="reauth"),
    path("account/security/", auth_views.security, name="security"),
    path("account/recovery-codes/", auth_views.recovery_codes, name="recovery_codes"),
    path("account/password/", auth_views.password_change, name="password"),
    path("account/tokens/<id:pk>/revoke/", auth_views.token_revoke, name="token_revoke"),
]
