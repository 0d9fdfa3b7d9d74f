from django.urls import path

from counseling.centre import views

# Included by counseling/urls.py under "centre/" (namespace "counseling").
urlpatterns = [
    path("centre/messages/new/", views.leave_message, name="centre_leave"),
    path("centre/messages/mine/", views.my_messages, name="centre_my_messages"),
    path("centre/messages/mine/<id:pk>/", views.my_message, name="centre_my_message"),
    path("centre/messages/code/", views.read_with_code, name="centre_read_code"),
    path("centre/queue/", views.queue, name="centre_queue"),
    path("centre/queue/<id:pk>/", views.message_detail, name="centre_message"),
    path("centre/duty/", views.duty, name="centre_duty"),
    path("centre/duty/<id:pk>/cancel/", views.cancel_duty, name="centre_duty_cancel"),
    path("centre/calendar/", views.calendar, name="centre_calendar"),
    path("centre/hotline/", views.hotline, name="centre_hotline"),
    path("centre/hotline/<id:pk>/", views.call_detail, name="centre_call"),
    path("centre/chat/", views.chat_start, name="centre_chat_start"),
    path("centre/chat/<id:pk>/", views.chat, name="centre_chat"),
    path("centre/chat/<id:pk>/lines/", views.chat_lines, name="centre_chat_lines"),
    path("centre/chats/", views.chats, name="centre_chats"),
    path("centre/chats/<id:pk>/take/", views.chat_take, name="centre_chat_take"),
    path("centre/chats/<id:pk>/close/", views.chat_close, name="centre_chat_close"),
    path("centre/visit/", views.visit, name="centre_visit"),
    path("centre/visits/", views.visits, name="centre_visits"),
    path("centre/visits/<id:pk>/decide/", views.visit_decide, name="centre_visit_decide"),
    path("centre/terms/", views.triage_terms, name="centre_terms"),
    path("centre/terms/<id:pk>/", views.triage_term, name="centre_term"),
    path("centre/terms/<id:pk>/retire/", views.retire_triage_term, name="centre_term_retire"),
]
