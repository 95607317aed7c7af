from django.urls import path

from yunying.storeday import views

app_name = "storeday"

urlpatterns = [
    path("", views.board, name="board"),
    path("<str:code>/", views.day, name="day"),
    path("<str:code>/slots/<slug:routine>/", views.slot_submit, name="slot"),
    path("<str:code>/meeting/", views.meeting, name="meeting"),
    path("<str:code>/handovers/", views.handovers, name="handovers"),
    path("<str:code>/roster/", views.roster, name="roster"),
]
