from django.urls import path

from stations import office_views, views

urlpatterns = [
    path("", views.station_list, name="station-list"),
    path("export.<str:fmt>", views.station_export, name="station-export"),
    path("new/", office_views.station_new, name="station-new"),
    path("<int:pk>/", views.station_detail, name="station-detail"),
    path("<int:pk>/edit/", office_views.station_edit, name="station-edit"),
    path("<int:pk>/status/", office_views.station_status, name="station-status"),
    path("<int:pk>/evaluations/new/", views.evaluation_new, name="station-evaluation-new"),
    path("evaluations/", views.evaluation_list, name="station-evaluation-list"),
    path("evaluations/export.<str:fmt>", views.evaluation_export, name="station-evaluation-export"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="station-evaluation-detail"),
    path("evaluations/<int:pk>/recompute/", views.evaluation_recompute, name="station-evaluation-recompute"),
    path("evaluations/<int:pk>/act/", views.evaluation_act, name="station-evaluation-act"),
]
