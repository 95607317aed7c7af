from django.urls import path

from yunying.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.visit_list, name="visits"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("templates/", views.template_list, name="templates"),
    path("designer/", views.template_design, name="template-new"),
    path("templates/<str:key>/designer/", views.template_design, name="template-design"),
    path("templates/<str:key>/", views.template_detail, name="template"),
    path("templates/<str:key>.xlsx", views.template_export, name="template-export"),
    path("templates/<str:key>/import/", views.template_import, name="template-import"),
    path("findings/", views.finding_list, name="findings"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("quality/", views.quality_evaluations, name="quality"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("stores/<str:code>/location/", views.store_location, name="store_location"),
    path("plan/", views.plan_calendar, name="plan"),
    path("bulletins/", views.bulletin_current, name="bulletins"),
    path("bulletins/<str:period>/", views.bulletin, name="bulletin"),
    path("bulletins/<str:period>.xlsx", views.bulletin_export, name="bulletin-export"),
]
