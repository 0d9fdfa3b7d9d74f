from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path, register_converter
from django.views.generic import RedirectView
from django.views.static import serve

from access.auth_views import Login
from xinyu import health, metrics
from xinyu.api import api
from xinyu.converters import IdConverter

register_converter(IdConverter, "id")  # before the apps' urls are included (they use <id:…>)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    # The admin logs in through the two-step login too (access.auth_views), never with its own password-only form.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", Login.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", api.urls),
    path("org/", include("xinyu.web.people.urls")),
    path("roster/", include("xinyu.web.roster.urls")),
    path("orgadmin/", include("xinyu.web.orgadmin.urls")),
    path("calendar/", include("xinyu.web.calendar.urls")),
    path("slips/", include("xinyu.web.slips.urls")),
    path("audit/", include("access.urls")),
    path("security/", include("access.security_urls")),
    path("care/", include("care.urls")),
    path("screening/", include("screening.urls")),
    path("counseling/", include("counseling.urls")),
    path("schoolwork/", include("schoolwork.urls")),
    path("supervision/", include("supervision.urls")),
    path("sso/", include("access.sso_urls")),  # 统一身份认证 (issue 18): 404 unless configured
    path("", include("access.auth_urls")),
    path("", include("xinyu.web.urls")),
]

if (
    settings.XINYU_SERVE_STATIC
):  # loopback stack without nginx only (make run-prod, CI); nginx serves /static/
    urlpatterns.insert(0, re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATIC_ROOT}))
