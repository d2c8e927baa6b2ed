from django.urls import reverse


def test_pages_are_chinese_by_default_and_english_after_the_switch(signed_in, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = signed_in("admin")
    chinese = client.get(reverse("postdoc-list")).content.decode()
    assert "博士后编号" in chinese and "筛选" in chinese and "退出" in chinese
    assert "Postdoc number" not in chinese

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("postdoc-list")})
    assert response.status_code == 302 and response["Location"] == reverse("postdoc-list")
    english = client.get(reverse("postdoc-list")).content.decode()
    assert "Postdoc number" in english and "Filter" in english and "Sign out" in english
    assert "博士后编号" not in english

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "博士后编号" in client.get(reverse("postdoc-list")).content.decode()


def test_the_rules_speak_chinese_on_chinese_pages(signed_in, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    url = reverse("postdoc-exit", kwargs={"pk": world.appointment.pk})
    page = signed_in("secretary").post(url, {"on": "2025-06-02", "confirm": "on"}).content.decode()
    assert "最早可于 2025-12-01（进站满 21 个月）出站。" in page
    assert "出站须有合格的出站考核记录；目前尚无记录。" in page


def test_dates_are_localised_on_pages_and_iso_in_forms(signed_in, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = signed_in("admin")
    page = client.get(reverse("postdoc-detail", kwargs={"pk": world.appointment.pk})).content.decode()
    assert "2024年3月1日" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("postdoc-detail", kwargs={"pk": world.appointment.pk})).content.decode()
    assert "March 1, 2024" in page
    form = client.get(reverse("postdoc-enter", kwargs={"pk": world.appointment.pk})).content.decode()
    assert 'value="2024-03-01"' in form


def test_the_sign_in_page_offers_both_languages(client, world, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get(reverse("login")).content.decode()
    assert "登录" in page and "中文" in page and "English" in page
    bad = client.post(reverse("login"), {"username": "admin-U1", "password": "nope"}).content.decode()
    assert "用户名或密码错误" in bad


def test_model_choices_and_grades_are_translated(signed_in, world, settings):
    import datetime as dt

    from appointments.services import assessment_record

    settings.LANGUAGE_CODE = "zh-hans"
    assessment_record(
        appointment=world.appointment, kind="midterm", held_on=dt.date(2025, 3, 1), grade="excellent", by=world.admin
    )
    page = signed_in("admin").get(reverse("postdoc-detail", kwargs={"pk": world.appointment.pk})).content.decode()
    assert "中期考核" in page and "优秀" in page and "在站" in page and "合作导师" in page
