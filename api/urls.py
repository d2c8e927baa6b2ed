from django.urls import path

from api import views
from api.api import api

urlpatterns = [
    path("v1/", api.urls),
    path("tokens/", views.tokens, name="api-tokens"),
]
