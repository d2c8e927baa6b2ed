"""The station evaluations' pages and the stations compared, under /stations/ with the names they
had there (no namespace): config/urls.py includes them beside stations.urls."""

from django.urls import path

from establishment import comparison_views
from establishment import evaluation_views as views

urlpatterns = [
    path("<int:pk>/evaluations/new/", views.evaluation_new, name="station-evaluation-new"),
    path("compared/", comparison_views.station_comparison, name="station-comparison"),
    path("compared/export.<str:fmt>", comparison_views.station_comparison_export, name="station-comparison-export"),
    path("evaluations/", views.evaluation_list, name="station-evaluation-list"),
    path("evaluations/export.<str:fmt>", views.evaluation_export, name="station-evaluation-export"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="station-evaluation-detail"),
    path("evaluations/<int:pk>/recompute/", views.evaluation_recompute, name="station-evaluation-recompute"),
    path("evaluations/<int:pk>/act/", views.evaluation_act, name="station-evaluation-act"),
]
