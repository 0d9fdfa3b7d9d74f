"""Routes of referrals and the partner-institution registry (in the ``care`` namespace; care/urls.py lists them)."""

from django.urls import path

from care.referrals import views

urlpatterns = [
    path("cases/<id:pk>/referrals/", views.case_referrals, name="case_referrals"),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/<id:pk>/", views.referral_detail, name="referral"),
    path("referrals/<id:pk>/move/", views.referral_move, name="referral_move"),
    path("referrals/<id:pk>/feedback/", views.referral_feedback, name="referral_feedback"),
    path("institutions/", views.institutions, name="institutions"),
]
