from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from xinyu.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", api.urls),
    path("org/", include("xinyu.web.people.urls")),
    path("roster/", include("xinyu.web.roster.urls")),
    path("slips/", include("xinyu.web.slips.urls")),
    path("audit/", include("access.urls")),
    path("care/", include("care.urls")),
    path("screening/", include("screening.urls")),
    path("counseling/", include("counseling.urls")),
    path("schoolwork/", include("schoolwork.urls")),
    path("", include("xinyu.web.urls")),
]
