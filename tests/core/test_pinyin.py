from core.pinyin import pinyin_key


def test_chinese_names_sort_by_pinyin_not_by_code_point():
    names = ["张三", "李明", "梁静", "安宁", "王五"]
    assert sorted(names, key=pinyin_key) == ["安宁", "李明", "梁静", "王五", "张三"]
    assert sorted(names) != sorted(names, key=pinyin_key)


def test_surnames_are_read_as_surnames():
    assert pinyin_key("单雄信") == "shan xiong xin"
    assert pinyin_key("曾国藩") == "zeng guo fan"
    assert pinyin_key("长孙无忌") == "zhang sun wu ji"


def test_latin_names_and_spaces_fold_into_the_same_key():
    assert pinyin_key("李 明") == pinyin_key("李明") == "li ming"
    assert pinyin_key("Smith  John") == "smith john"
    assert pinyin_key("") == ""
