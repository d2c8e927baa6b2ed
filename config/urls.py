from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from appointments.urls import person_urlpatterns
from people import account_pages
from people import urls as people_urls

urlpatterns = [
    path("", include("reports.urls")),
    path("", include("accounts.urls")),
    # Linking an account to its supervisor or postdoc record: the users page's URLs, people's views.
    path("users/<int:pk>/link/", account_pages.account_link_page, name="user-link"),
    path("users/<int:pk>/unlink/", account_pages.account_unlink_page, name="user-unlink"),
    path("stations/", include("stations.urls")),
    path("stations/", include("establishment.evaluation_urls")),  # the stations' evaluations
    path("postdocs/", include("appointments.urls")),
    # /supervisors/…, /people/<pk>/…: people's pages, and admitting a person again (appointments').
    path("", include((people_urls.urlpatterns + person_urlpatterns, "people"))),
    path("api/", include("api.urls")),
    path("exchange/", include("exchange.urls")),
    path("reviews/", include("reviews.urls")),
    path("establishment/", include("establishment.urls")),
    path("", include("funding.urls")),  # /projects/, /postdocs/<pk>/projects/…, /funding/
    path("outputs/", include("outputs.urls")),
    path("award-lists/", include("awardlists.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("ops.urls")),  # /healthz
    path("admin/", admin.site.urls),
]

# A request refused before any view (an invalid Host header): JSON on the API, the 400 page elsewhere.
handler400 = "core.views.bad_request"
