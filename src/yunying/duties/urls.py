from django.urls import path

from yunying.duties import views, views_people

app_name = "duties"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("o/<int:pk>/", views.occurrence, name="occurrence"),
    path("board/", views.board, name="board"),
    path("calendar/", views.calendar, name="calendar"),
    path("reviews/", views_people.reviews, name="reviews"),
    path("training/", views_people.training, name="training"),
    path("training.xlsx", views_people.training_export, name="training-export"),
    path("onboarding/", views_people.onboarding_list, name="onboarding"),
    path("onboarding/<int:pk>/", views_people.onboarding_detail, name="onboarding-detail"),
]
