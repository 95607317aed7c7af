from django.urls import path

from yunying.purchasing import views

app_name = "purchasing"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("export.xlsx", views.order_export, name="export"),
]
