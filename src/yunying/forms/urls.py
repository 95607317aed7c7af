from django.urls import path

from yunying.forms import views

app_name = "yyforms"

urlpatterns = [
    path("", views.definition_list, name="list"),
    path("files/<str:token>/", views.file_download, name="file"),
    path("pickers/employees/", views.employee_options, name="employee-options"),
    path("<str:key>/", views.definition_detail, name="detail"),
    path("<str:key>/design/", views.designer, name="design"),
    path("<str:key>/preview/", views.preview, name="preview"),
    path("<str:key>/fill/", views.fill, name="fill"),
]
