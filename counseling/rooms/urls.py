from django.urls import path

from counseling.rooms import views

urlpatterns = [
    path("book/", views.book, name="room_book"),
    path("appointments/<id:pk>/cancel/", views.cancel, name="room_cancel"),
    path("desk/", views.desk, name="room_desk"),
    path("appointments/<id:pk>/decide/", views.decide, name="room_decide"),
    path("rooms/<id:pk>/walk-in/", views.walk_in, name="room_walk_in"),
    path("rooms/", views.rooms, name="room_rooms"),
    path("rooms/<id:pk>/", views.room, name="room_room"),
    path("sessions/new/", views.session_new, name="room_session_new"),
    path("sessions/<id:pk>/", views.session_detail, name="room_session"),
    path("sessions/<id:pk>/notes/", views.session_notes, name="room_session_notes"),
    path("sessions/<id:pk>/break/", views.session_break, name="room_session_break"),
    path("workload/", views.workload_page, name="room_workload"),
    path("workload/export.xlsx", views.workload_export, name="room_workload_export"),
    path("help/", views.help_page, name="room_help"),
    path("links/", views.district_links, name="room_links"),
]
