from counseling.centre.urls import urlpatterns as centre_urlpatterns
from counseling.rooms.urls import urlpatterns as room_urlpatterns

app_name = "counseling"
urlpatterns: list = [
    *centre_urlpatterns,  # district counseling centre and 24-hour messages (R4.2)
    *room_urlpatterns,  # school counseling room (R4.3), workload (R1.3), links out (R4.1)
]
