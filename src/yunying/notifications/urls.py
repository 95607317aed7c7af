from django.urls import path

from yunying.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("<int:notification_id>/read/", views.mark_read, name="read"),
    path("read-all/", views.mark_all_read, name="read-all"),
    path("preferences/", views.preferences, name="preferences"),
    path("robots/", views.robots, name="robots"),
    path("robots/<int:robot_id>/", views.robot_edit, name="robot-edit"),
    path("robots/<int:robot_id>/test/", views.robot_test, name="robot-test"),
    path("deliveries/<int:delivery_id>/retry/", views.delivery_retry, name="delivery-retry"),
]
