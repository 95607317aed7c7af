from django.urls import path

from yunying.workflow import designer_views, views

app_name = "workflow"

urlpatterns = [
    path("", views.definitions, name="definitions"),
    path("processes/<slug:key>/", views.definition, name="definition"),
    path("processes/<slug:key>/start/", views.start, name="start"),
    path("processes/<slug:key>/preview/", views.start_preview, name="preview"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("attachments/<int:attachment_id>/thumb/", views.attachment_thumbnail, name="attachment-thumb"),
    path("people/", views.people, name="people"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/bulk/", views.bulk_approve, name="bulk"),
    path("tasks/<int:task_id>/", views.task, name="task"),
    path("instances/<int:instance_id>/", views.instance, name="instance"),
    path("instances/<int:instance_id>/print/", views.instance_print, name="instance-print"),
    path("instances/<int:instance_id>/act/", views.instance_act, name="instance-act"),
    path("instances/<int:instance_id>/files/<str:token>/", views.instance_file, name="instance-file"),
    path("monitor/", views.monitor, name="monitor"),
    path("monitor/<int:instance_id>/", views.monitor_act, name="monitor-act"),
    path("delegations/", views.delegations, name="delegations"),
    path("authority/", views.authority, name="authority"),
    # designer routes
    path("designer/", designer_views.designer_list, name="designer-list"),
    path("designer/new/", designer_views.designer_new, name="designer-new"),
    path("designer/preview/", designer_views.designer_preview, name="designer-preview"),
    path("designer/<slug:key>/edit/", designer_views.designer_edit, name="designer-edit"),
    path("designer/<slug:key>/versions/", designer_views.designer_versions, name="designer-versions"),
    path(
        "designer/<slug:key>/v<int:number>.bpmn",
        designer_views.designer_download,
        name="designer-download",
    ),
]
