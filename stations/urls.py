from django.urls import path

from stations import office_views, views

urlpatterns = [
    path("", views.station_list, name="station-list"),
    path("export.<str:fmt>", views.station_export, name="station-export"),
    path("new/", office_views.station_new, name="station-new"),
    path("<int:pk>/", views.station_detail, name="station-detail"),
    path("<int:pk>/edit/", office_views.station_edit, name="station-edit"),
    path("<int:pk>/status/", office_views.station_status, name="station-status"),
]
