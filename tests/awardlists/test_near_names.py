"""Near misses in a funder's list: a postdoc's name written with a homophone (邓毅然 for 邓毅燃) or
one character wrong (陈晓束 for 陈晓东), and the institution's name in a short or old form (示例医大,
重庆示例医科大学). Each gives candidates marked uncertain, which a person must choose; none is
matched by itself. Recording the form as one of the institution's names makes it certain."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from appointments.models import Appointment
from audit.models import AuditEvent
from awardlists.matching import (
    Doubt,
    Outcome,
    likely_forms,
    masked_keys,
    match_row,
    note_text,
    sound_keys,
)
from awardlists.models import AwardList, AwardListRow, HostName
from awardlists.selectors import load_context
from awardlists.services import (
    ConfirmRefused,
    award_list_confirm,
    award_list_row_choose,
    host_name_add,
)
from catalogue.services import reference_save
from core.errors import DomainError
from funding.models import Project
from tests.awardlists.conftest import HOST, Lists, csv_bytes, row, upload
from tests.factories import make_appointment, make_person

PERSONAS = ["admin", "secretary", "supervisor", "postdoc", "leadership", "outsider"]
# Recording a name from a list's row: the institution's office administrators; the outsider (another
# institution's administrator) does not see the list; everyone else may not manage lists.
RECORD = {"admin": 200, "outsider": 404}


@dataclass
class Near:
    lists: Lists
    deng: Appointment  # 邓毅燃, biology (0710), BH-DYR-05

    @property
    def admin(self) -> Any:
        return self.lists.admin


@pytest.fixture
def near(lists: Lists) -> Near:
    world = lists.world
    deng = make_appointment(
        world.other_station,
        world.other_supervisor,
        world.admin,
        person=make_person(world.institution, world.admin, name="邓毅燃"),
        postdoc_no="BH-DYR-05",
    )
    return Near(lists, deng)


def match(near: Near, name: str, number: str = "", discipline: object = "0710", host: str = HOST):  # noqa: ANN201
    context = load_context(near.lists.world.institution)
    return match_row(context, institution=host, name=name, postdoc_no=number, discipline=discipline)


# ---- the keys near names are compared by ---------------------------------------------------


def test_homophones_share_a_sound_key_and_other_names_do_not() -> None:
    assert sound_keys("邓毅然") & sound_keys("邓毅燃")
    assert sound_keys("陈晓东") & sound_keys("陳曉冬")  # traditional characters, tones ignored
    assert not sound_keys("陈晓东") & sound_keys("陈晓明")
    assert not sound_keys("邓毅") & sound_keys("邓毅然")  # names of different lengths never sound the same


def test_names_one_character_apart_share_a_masked_key() -> None:
    assert masked_keys("陈晓束") & masked_keys("陈晓东")
    assert not masked_keys("陈晓束") & masked_keys("陈小束东")
    assert not masked_keys("陈明束") & masked_keys("陈晓东")  # two characters differ


def test_likely_forms_of_an_institutions_name() -> None:
    forms = likely_forms("渝州医科大学", "重庆")
    assert {"渝州医大", "渝州医科大", "渝州医学院", "重庆渝州医科大学", "重庆市渝州医科大学", "重庆渝州医大"} <= set(
        forms
    )
    assert "渝州医科大学" not in forms
    # A province is dropped from the front only when what is left still names the institution.
    assert "医科大学" not in likely_forms("重庆医科大学", "重庆")
    assert "西南大学" in likely_forms("重庆西南大学")
    assert "人民医院" not in likely_forms("广西壮族自治区人民医院", "广西")
    assert likely_forms("Example University") == []


# ---- rows against the institution's postdocs ------------------------------------------------


def test_a_homophone_with_the_postdocs_number_is_an_uncertain_candidate(near: Near) -> None:
    found = match(near, "邓毅然", "BH-DYR-05")
    assert (found.outcome, found.appointment_id, found.candidates) == (Outcome.UNCERTAIN, None, [near.deng.pk])
    assert found.doubts == {near.deng.pk: Doubt.SAME_SOUND}
    assert "邓毅燃" in note_text(found.notes[0]) and "sounds as" in note_text(found.notes[0])


def test_a_homophone_without_a_number_is_an_uncertain_candidate_in_its_discipline(near: Near) -> None:
    found = match(near, "邓毅然", "")
    assert (found.outcome, found.candidates, found.doubts) == (
        Outcome.UNCERTAIN,
        [near.deng.pk],
        {near.deng.pk: Doubt.SAME_SOUND},
    )
    assert match(near, "邓毅然", "", discipline="1002").outcome == Outcome.UNMATCHED  # another discipline


def test_a_near_spelling_is_an_uncertain_candidate_when_the_other_facts_agree(near: Near) -> None:
    chen = near.lists.chen
    with_number = match(near, "陈晓束", "BH-CXD-01")
    assert (with_number.outcome, with_number.appointment_id) == (Outcome.UNCERTAIN, None)
    assert with_number.doubts == {chen.pk: Doubt.ONE_CHARACTER}
    assert "one character" in note_text(with_number.notes[0])
    by_discipline = match(near, "陈晓束", "")
    assert (by_discipline.candidates, by_discipline.doubts) == ([chen.pk], {chen.pk: Doubt.ONE_CHARACTER})
    # Without the number, the discipline must be given and agree, and the name be long enough.
    assert match(near, "陈晓束", "", discipline="").outcome == Outcome.UNMATCHED
    assert match(near, "陈晓束", "", discipline="1002").outcome == Outcome.UNMATCHED
    assert match(near, "张四", "", discipline="1002").outcome == Outcome.UNMATCHED  # 张三: too short to guess
    assert match(near, "陈晓束", "BH-NONE-99").outcome == Outcome.UNMATCHED  # a number that disagrees


def test_an_exact_row_still_matches_and_an_unrelated_name_gives_no_candidate(near: Near) -> None:
    exact = match(near, "陈晓东", "BH-CXD-01")
    assert (exact.outcome, exact.appointment_id, exact.doubts) == (Outcome.EXACT, near.lists.chen.pk, {})
    assert match(near, "邓毅燃", "").doubts == {}  # the name as written: a candidate without doubt
    unrelated = match(near, "林黛玉", "")
    assert (unrelated.outcome, unrelated.candidates, unrelated.doubts) == (Outcome.UNMATCHED, [], {})


def test_a_short_or_old_form_of_the_institutions_name_is_uncertain(near: Near) -> None:
    institution = near.lists.world.institution
    institution.province = "重庆"
    reference_save(instance=institution, by=near.admin)
    for host in ("示例医大", "重庆示例医科大学", "示例医学院", "示例医大附属第一医院"):
        found = match(near, "陈晓东", "BH-CXD-01", host=host)
        assert (found.outcome, found.appointment_id, found.host_likely) == (Outcome.UNCERTAIN, None, True), host
        assert found.candidates == [near.lists.chen.pk]
        assert note_text(found.notes[0]) == f"The institution's name reads differently: {host}."
    assert match(near, "陈晓东", "BH-CXD-01", host="另一所大学").outcome == Outcome.OTHER
    assert match(near, "陈晓东", "BH-CXD-01", host="医科大学").outcome == Outcome.OTHER
    host_name_add(institution=institution, name="示例医大", by=near.admin)
    recognised = match(near, "陈晓东", "BH-CXD-01", host="示例医大")
    assert (recognised.outcome, recognised.appointment_id, recognised.host_likely) == (
        Outcome.EXACT,
        near.lists.chen.pk,
        False,
    )


# ---- an upload, its review and its confirmation ---------------------------------------------

NEAR_ROWS = [
    row(1, "陈晓东", "BH-CXD-01"),  # exact
    row(2, "邓毅然", "BH-DYR-05"),  # homophone
    row(3, "陈晓束", "BH-CXD-01"),  # near spelling of the same postdoc
    row(4, "王芳", "BH-WF-04", "0202", "二等", host="示例医大"),  # short form of the institution's name
    row(5, "林黛玉", "", "0710"),  # unrelated
    row(6, "贾宝玉", "X1", "0710", host="另一所大学"),  # another institution
]


@pytest.mark.parametrize("name", ["第69批.xlsx", "第69批.csv"])
def test_an_upload_keeps_near_misses_uncertain_with_their_doubts(near: Near, name: str) -> None:
    content = csv_bytes(NEAR_ROWS) if name.endswith(".csv") else None
    award_list = upload(near.lists, NEAR_ROWS, name=name, content=content)
    rows = {int(r.seq): r for r in award_list.rows.all()}
    assert {n: r.outcome for n, r in rows.items()} == {
        1: "exact",
        2: "uncertain",
        3: "uncertain",
        4: "uncertain",
        5: "unmatched",
    }
    assert rows[2].doubts == {str(near.deng.pk): "same_sound"} and rows[2].decision == ""
    assert rows[3].doubts == {str(near.lists.chen.pk): "one_character"}
    assert rows[4].host_likely and rows[4].candidates == [near.lists.wang.pk] and rows[4].appointment_id is None
    assert not any(r.host_likely for n, r in rows.items() if n != 4)
    assert (award_list.exact_count, award_list.uncertain_count, award_list.unmatched_count) == (1, 3, 1)
    assert award_list.other_count == 1


def test_an_uncertain_candidate_is_never_confirmed_by_itself(near: Near) -> None:
    award_list = upload(near.lists, [row(1, "邓毅然", "BH-DYR-05")])
    with pytest.raises(ConfirmRefused):
        award_list_confirm(award_list=award_list, by=near.admin)
    assert not Project.objects.filter(holder=near.deng).exists()
    homophone = award_list.rows.get()
    award_list_row_choose(row=homophone, appointment=near.deng, by=near.admin)  # the person confirms it
    award_list = award_list_confirm(award_list=award_list, by=near.admin)
    assert award_list.awarded_count == 1 and Project.objects.filter(holder=near.deng).count() == 1


def test_recording_the_form_matches_the_open_lists_rows_again(near: Near) -> None:
    rows = [row(1, "陈晓东", "BH-CXD-01", host="示例医大"), row(2, "王芳", "BH-WF-04", "0202", "二等", host="示例医大")]
    award_list = upload(near.lists, rows)
    decided = award_list.rows.get(seq="2")
    award_list_row_choose(row=decided, appointment=near.lists.wang, by=near.admin)
    events = AuditEvent.objects.count()

    host_name_add(institution=near.lists.world.institution, name="示例医大", by=near.admin)

    award_list.refresh_from_db()
    first, second = award_list.rows.order_by("number")
    assert (first.outcome, first.appointment_id, first.decision, first.host_likely) == (
        AwardListRow.Outcome.EXACT,
        near.lists.chen.pk,
        AwardListRow.Decision.ACCEPT,
        False,
    )
    assert not any(found["key"] == "host_likely" for found in first.notes)
    # A row already decided keeps its decision; only the doubt about the name goes.
    assert (second.outcome, second.decision, second.host_likely) == ("uncertain", "accept", False)
    assert (award_list.exact_count, award_list.uncertain_count) == (1, 1)
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.latest("pk")
    assert event.event == "host_name.added"
    award_list_confirm(award_list=award_list, by=near.admin)
    assert Project.objects.filter(holder__in=[near.lists.chen, near.lists.wang]).count() == 2


def test_a_confirmed_list_is_not_matched_again(near: Near) -> None:
    award_list = upload(near.lists, [row(1, "陈晓东", "BH-CXD-01", host="示例医大")])
    award_list_row_choose(row=award_list.rows.get(), appointment=None, by=near.admin)
    award_list_confirm(award_list=award_list, by=near.admin)
    host_name_add(institution=near.lists.world.institution, name="示例医大", by=near.admin)
    kept = award_list.rows.get()
    assert (kept.outcome, kept.host_likely, kept.decision) == ("uncertain", True, "skip")


@pytest.mark.parametrize("persona", ["secretary", "supervisor", "postdoc", "leadership", "outsider"])
def test_only_an_office_administrator_of_the_institution_records_a_name(near: Near, persona: str) -> None:
    user = near.lists.world.personas()[persona]
    with pytest.raises(DomainError):
        host_name_add(institution=near.lists.world.institution, name="示例医大", by=user)
    assert not HostName.objects.exists()


# ---- the pages ------------------------------------------------------------------------------


@pytest.fixture
def near_list(near: Near) -> AwardList:
    return upload(near.lists, NEAR_ROWS)


def test_the_review_marks_each_uncertain_candidate(signed_in, near, near_list) -> None:  # noqa: ANN001
    page = signed_in("admin").get(reverse("awardlists:detail", kwargs={"pk": near_list.pk})).content.decode()
    assert "uncertain — same sound" in page
    assert "uncertain — one character differs" in page
    assert "uncertain — the institution's name reads differently" in page
    short = near_list.rows.get(seq="4")
    assert reverse("awardlists:row-record-name", kwargs={"pk": near_list.pk, "row_pk": short.pk}) in page
    assert "Record “示例医大” as our name" in page


def test_the_candidates_partial_keeps_its_marks(signed_in, near, near_list) -> None:  # noqa: ANN001
    homophone = near_list.rows.get(seq="2")
    url = reverse("awardlists:row-choose", kwargs={"pk": near_list.pk, "row_pk": homophone.pk})
    response = signed_in("admin").post(url, {"appointment": near.deng.pk}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "uncertain — same sound" in response.content.decode()
    homophone.refresh_from_db()
    assert (homophone.decision, homophone.appointment_id) == ("accept", near.deng.pk)


def test_recording_a_name_from_a_row_asks_first_then_records(signed_in, near, near_list) -> None:  # noqa: ANN001
    short = near_list.rows.get(seq="4")
    url = reverse("awardlists:row-record-name", kwargs={"pk": near_list.pk, "row_pk": short.pk})
    client = signed_in("admin")
    page = client.get(url)
    assert page.status_code == 200 and "示例医大" in page.content.decode()
    assert not HostName.objects.exists()  # asking writes nothing
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith(f"#row-{short.pk}")
    assert list(HostName.objects.values_list("name", "created_by")) == [("示例医大", near.admin.pk)]
    short.refresh_from_db()
    assert (short.outcome, short.appointment_id, short.host_likely) == ("exact", near.lists.wang.pk, False)
    # The row no longer asks: the link leads back to the list.
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("persona", PERSONAS)
def test_recording_a_name_answers_each_persona(signed_in, near, near_list, persona) -> None:  # noqa: ANN001
    short = near_list.rows.get(seq="4")
    url = reverse("awardlists:row-record-name", kwargs={"pk": near_list.pk, "row_pk": short.pk})
    client = signed_in(persona)
    assert client.get(url).status_code == RECORD.get(persona, 403)
    if persona != "admin":
        assert client.post(url).status_code == RECORD.get(persona, 403)
        assert not HostName.objects.exists()


def test_the_names_page_shows_the_forms_read_as_uncertain(signed_in, near) -> None:  # noqa: ANN001
    client = signed_in("admin")
    page = client.get(reverse("awardlists:names")).content.decode()
    assert "Forms read as uncertain" in page and "示例医大" in page
    host_name_add(institution=near.lists.world.institution, name="示例医大", by=near.admin)
    page = client.get(reverse("awardlists:names")).content.decode()
    assert "示例医学院" in page
    assert page.count("示例医大") == 1  # a recorded name, no longer a form read as uncertain
