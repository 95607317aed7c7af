from django.urls import path

from yunying.assets import views

app_name = "assets"

urlpatterns = [
    path("", views.asset_list, name="list"),
    path("import/", views.import_page, name="import"),
    path("export.xlsx", views.export, name="export"),
    path("template.xlsx", views.template_download, name="template"),
    path("labels/", views.label_sheet, name="labels"),
    path("<str:code>/", views.asset_card, name="card"),
]
