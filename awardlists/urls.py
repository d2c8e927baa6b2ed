from django.urls import path

from awardlists import views

app_name = "awardlists"

urlpatterns = [
    path("", views.awardlist_list, name="list"),
    path("new/", views.awardlist_new, name="new"),
    path("names/", views.host_names, name="names"),
    path("names/<int:pk>/remove/", views.host_name_remove, name="name-remove"),
    path("<int:pk>/", views.awardlist_detail, name="detail"),
    path("<int:pk>/rows/<int:row_pk>/choose/", views.awardlist_row_choose, name="row-choose"),
    path("<int:pk>/rows/<int:row_pk>/record-name/", views.awardlist_row_record_name, name="row-record-name"),
    path("<int:pk>/check/", views.awardlist_check, name="check"),
    path("<int:pk>/confirm/", views.awardlist_confirm, name="confirm"),
    path("<int:pk>/discard/", views.awardlist_discard, name="discard"),
]
