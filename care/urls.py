"""The routes of care, in the ``care`` namespace: each sub-domain's ``urls.py``, in this order (the cases' catch-all
``cases/<pk>/<action>/`` comes after the plan's, contacts' and referrals' ``cases/<pk>/…`` routes)."""

from care.alerts.urls import urlpatterns as alerts
from care.cases.urls import urlpatterns as cases
from care.channels.urls import urlpatterns as channels
from care.contacts.urls import urlpatterns as contacts
from care.corrections.urls import urlpatterns as corrections
from care.file.urls import urlpatterns as file
from care.guardian_export.urls import urlpatterns as guardian_export
from care.plans.urls import urlpatterns as plans
from care.referrals.urls import urlpatterns as referrals
from care.reports.urls import urlpatterns as reports

app_name = "care"
urlpatterns = [
    *alerts,
    *channels,
    *file,
    *guardian_export,
    *corrections,
    *plans,
    *contacts,
    *referrals,
    *reports,
    *cases,
]
