from django.urls import path

from access import sso_views

app_name = "sso"
urlpatterns = [
    path("oidc/login/", sso_views.OIDCLogin.as_view(), name="oidc_login"),
    path("oidc/callback/", sso_views.OIDCCallback.as_view(), name="oidc_callback"),
    path("cas/login/", sso_views.cas_login, name="cas_login"),
    path("refused/", sso_views.refused, name="refused"),
]
