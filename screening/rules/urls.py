from django.urls import path

from screening.rules import views

urlpatterns = [
    path("level-rules/", views.level_rules_home, name="level_rules_home"),
    path("level-rules/<id:pk>/", views.level_rules, name="level_rules"),
]
