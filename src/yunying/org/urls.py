from django.urls import path

from yunying.org import views

app_name = "org"

urlpatterns = [
    path("chart/", views.chart, name="chart"),
    path("stores/", views.stores, name="stores"),
    path("stores/<str:code>/", views.store, name="store"),
    path("regions/", views.regions, name="regions"),
    path("people/", views.people, name="people"),
    path("people/<str:employee_no>/", views.person, name="person"),
    path("positions/", views.positions, name="positions"),
    path("import/", views.import_page, name="import"),
    path("export/<str:kind>.xlsx", views.export, name="export"),
    path("template/<str:kind>.xlsx", views.template_download, name="template"),
]
