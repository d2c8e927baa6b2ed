from django.urls import path

from batchlists import views

app_name = "batchlists"

urlpatterns = [
    path("", views.batchlist_list, name="list"),
    path("new/", views.batchlist_new, name="new"),
    path("names/", views.host_names, name="names"),
    path("names/<int:pk>/remove/", views.host_name_remove, name="name-remove"),
    path("<int:pk>/", views.batchlist_detail, name="detail"),
    path("<int:pk>/rows/<int:row_pk>/choose/", views.batchlist_row_choose, name="row-choose"),
    path("<int:pk>/rows/<int:row_pk>/record-name/", views.batchlist_row_record_name, name="row-record-name"),
    path("<int:pk>/check/", views.batchlist_check, name="check"),
    path("<int:pk>/confirm/", views.batchlist_confirm, name="confirm"),
    path("<int:pk>/discard/", views.batchlist_discard, name="discard"),
]
