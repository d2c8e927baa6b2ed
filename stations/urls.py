from django.urls import path

from stations import views

urlpatterns = [
    path("", views.station_list, name="station-list"),
    path("export.<str:fmt>", views.station_export, name="station-export"),
    path("<int:pk>/", views.station_detail, name="station-detail"),
]
