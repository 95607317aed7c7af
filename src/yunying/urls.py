from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path

from yunying.api import api
from yunying.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set-language"),
    path("profile/", views.profile, name="profile"),
    path("healthz", views.healthz, name="healthz"),
    path("org/", include("yunying.org.urls")),
    path("forms/", include("yunying.forms.urls")),
    path("analytics/", include("yunying.analytics.urls")),
    path("workflow/", include("yunying.workflow.urls")),
    path("inspections/", include("yunying.inspections.urls")),
    path("notifications/", include("yunying.notifications.urls")),
    path("calendar/", include("yunying.core.urls")),
    path("assets/", include("yunying.assets.urls")),
    path("storeday/", include("yunying.storeday.urls")),
    path("purchasing/", include("yunying.purchasing.urls")),
    path("duties/", include("yunying.duties.urls")),
    path("servicedesk/", include("yunying.servicedesk.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
