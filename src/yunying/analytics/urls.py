from django.urls import path

from yunying.analytics import views, views_data

app_name = "analytics"

urlpatterns = [
    path("", views.monthly, name="index"),
    path("monthly/", views.monthly, name="monthly"),
    path("stores/<str:code>/", views.store, name="store"),
    path("weekly/", views.weekly, name="weekly"),
    path("products/", views.products, name="products"),
    path("rankings/", views.rankings, name="rankings"),
    path("kpi/", views.kpi, name="kpi"),
    path("targets/", views_data.targets, name="targets"),
    path("targets/template.xlsx", views_data.targets_template, name="targets-template"),
    path("import/", views_data.import_page, name="import"),
    path("import/<int:pk>/", views_data.import_detail, name="import-detail"),
    path("import/<int:pk>/progress/", views_data.import_progress, name="import-progress"),
    path("import/<int:pk>/errors.xlsx", views_data.import_errors, name="import-errors"),
]
