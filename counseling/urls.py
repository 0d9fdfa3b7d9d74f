from counseling.centre.urls import urlpatterns as centre_urlpatterns

app_name = "counseling"
urlpatterns: list = [
    *centre_urlpatterns,  # district counseling centre and 24-hour messages (R4.2)
]
