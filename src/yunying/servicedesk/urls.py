from django.urls import path

from yunying.servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("", views.desk, name="desk"),
]
