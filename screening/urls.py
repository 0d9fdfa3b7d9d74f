"""The screening app's URLs (namespace ``screening``): each sub-domain lists its own, under the one namespace."""

from django.urls import include, path

app_name = "screening"
urlpatterns = [
    path("", include("screening.campaigns.urls")),
    path("", include("screening.rules.urls")),  # issue 15: a district's level rules (预警规则)
    path("", include("screening.battery.urls")),  # issue 15 (i15-battery): licences and the default battery
]
