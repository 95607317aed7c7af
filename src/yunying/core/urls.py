from django.urls import path

from yunying.core import views

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
]
