import datetime as dt

from django.urls import reverse

from funding.services import project_record
from tests.clients import add_appointments, count_queries
from tests.factories import make_station


def test_dashboard_shows_the_headline_figures_of_the_institution(signed_in, world):
    project_record(
        holder=world.appointment,
        project_no="2024M001",
        title="Project",
        funder="CPSF",
        level="national",
        awarded_on=dt.date(2024, 6, 1),
        by=world.admin,
    )
    response = signed_in("admin").get(reverse("dashboard"), {"as_of": "2024-12-31", "years": "3"})
    figures = response.context["figures"]
    assert figures["recruited"] == 2
    assert figures["recruited_still_in_station"] == 2
    assert figures["in_station"] == 2
    assert figures["projects"] == 1
    page = response.content.decode()
    assert "Recruited in the window" in page
    assert "2 of 2" in page  # coverage: both doctoral disciplines have a station


def test_coverage_names_the_disciplines_without_a_station(signed_in, world):
    from catalogue.models import Discipline
    from catalogue.services import doctoral_right_grant
    from tests.factories import make_discipline

    discipline = make_discipline("1003", "口腔医学", world.admin)
    doctoral_right_grant(
        institution=world.institution, discipline=discipline, since=dt.date(2010, 1, 1), by=world.admin
    )
    response = signed_in("leadership").get(reverse("dashboard"))
    page = response.content.decode()
    assert "2 of 3" in page
    assert "1003" in page and Discipline.objects.get(code="1003").name_en in page


def test_coverage_is_shown_only_to_institution_level_users(signed_in):
    assert signed_in("leadership").get(reverse("dashboard")).context["show_coverage"] is True
    assert signed_in("admin").get(reverse("dashboard")).context["show_coverage"] is True
    secretary_page = signed_in("secretary").get(reverse("dashboard"))
    assert secretary_page.context["show_coverage"] is False
    assert "Coverage of doctoral disciplines" not in secretary_page.content.decode()


def test_secretary_sees_the_figures_of_her_station_only(signed_in):
    response = signed_in("secretary").get(reverse("dashboard"), {"as_of": "2024-12-31"})
    assert response.context["figures"]["in_station"] == 1


def test_outsider_sees_the_figures_of_another_institution_only(signed_in):
    response = signed_in("outsider").get(reverse("dashboard"), {"as_of": "2024-12-31"})
    assert response.context["figures"]["in_station"] == 1


def test_a_postdoc_reads_their_to_dos_and_a_link_to_their_own_page(signed_in, world):
    response = signed_in("postdoc").get(reverse("dashboard"))
    assert response.status_code == 200
    assert reverse("postdoc-detail", kwargs={"pk": world.appointment.pk}) in response.content.decode()


def test_figures_follow_the_date_and_window(signed_in):
    client = signed_in("admin")
    assert client.get(reverse("dashboard"), {"as_of": "2024-02-01"}).context["figures"]["in_station"] == 0
    assert client.get(reverse("dashboard"), {"as_of": "2030-01-01", "years": "1"}).context["figures"]["recruited"] == 0


def test_a_bad_date_keeps_the_defaults_and_says_why(signed_in):
    response = signed_in("admin").get(reverse("dashboard"), {"as_of": "yesterday", "years": "0"})
    assert response.status_code == 200
    assert response.context["years"] == 3
    assert response.context["form"].errors.keys() == {"as_of", "years"}


def test_htmx_refresh_returns_only_the_figures(signed_in):
    response = signed_in("admin").get(reverse("dashboard"), {"as_of": "2024-12-31"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="figures"')
    assert "<html" not in page


def test_due_counts_link_to_the_filtered_postdoc_list(signed_in):
    response = signed_in("admin").get(reverse("dashboard"))
    due = {item["key"]: item["count"] for item in response.context["due"]}
    # Entered 2024-03-01 without a research proposal: overdue by now.
    assert due["proposal_overdue"] == 2
    assert f"{reverse('postdoc-list')}?due=proposal_overdue" in response.content.decode()


def test_dashboard_queries_do_not_grow_with_the_data(signed_in, world, django_assert_num_queries):
    client = signed_in("admin")
    url = reverse("dashboard")
    page, partial = count_queries(client, url), count_queries(client, url, **{"HX-Request": "true"})
    add_appointments(world, 6)
    make_station(world.institution, world.admin, code="S0712", discipline_code="0712")
    with django_assert_num_queries(page):
        client.get(url)
    with django_assert_num_queries(partial):
        client.get(url, headers={"HX-Request": "true"})
