"""pipeline.extract.sections: a report cut into the parts its headings name."""

from pipeline.extract.sections import split_sections


def _names(text: str) -> list[tuple[str, str]]:
    return [(s.numeral, s.name) for s in split_sections(text)]


def test_the_six_sections_of_the_2019_format_and_table_rows_are_no_headings():
    text = "\n".join([
        "根据《条例》编制本报告。", "一、总体情况", "全年主动公开政府信息100条。", "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量 5 0 0 0 0 0 5",
        "四、结转下年度继续办理 0 0 0 0 0 0 0", "四、政府信息公开行政法复议、行政诉讼情况",
        "五、政府信息公开工作存在的主要问题及改进情况", "六、其他需要报告的事项", "无。"])
    assert _names(text) == [("", "intro"), ("一", "overview"), ("二", "proactive"), ("三", "apps"),
                            ("四", "review"), ("五", "problems"), ("六", "other")]


def test_legacy_parts_inline_in_flattened_text():
    text = ("本报告由概述、主动公开政府信息情况等组成。一、 概述2016年，我区稳步推进。二、主动公开政府信息情况"
            "全区主动公开政府信息3460条。三、政府信息依申请公开工作情况 未收到申请。四、政府信息公开的收费及减免情况"
            "暂不收费。五、因政府信息公开申请行政复议、提起行政诉讼的情况 未收到。六、主要问题和改进措施 仍有不足。"
            " 七、平潭综合实验区政府信息公开情况统计表 指标名称")
    assert [n for _, n in _names(text)] == ["intro", "overview", "proactive", "apps", "fees", "review",
                                            "problems", "table"]
    overview = split_sections(text)[1]
    assert overview.title == "一、 概述" and overview.body.startswith("2016年")


def test_a_heading_naming_two_topics_and_an_unknown_part():
    text = "一、概述\n总体平稳。\n二、主动公开和依申请公开情况\n略。\n三、审批事项及处理情况\n受理审批申请117件。\n四、收费及举报投诉\n无。"
    secs = split_sections(text)
    assert [(s.name, sorted(s.also)) for s in secs] == [
        ("overview", []), ("proactive", ["apps"]), ("unknown", []), ("fees", ["complaints"])]


def test_no_headings_is_one_whole_text_and_parenthesised_parts_are_read_when_alone():
    assert _names("全年主动公开政府信息100条。") == [("", "whole")]
    text = "（一）主动公开政府信息情况\n全年主动公开政府信息210条。\n（二）依申请公开政府信息情况\n未收到申请。"
    assert [n for _, n in _names(text)] == ["proactive", "apps"]
    # quoted later or out of order, a numeral starts nothing
    assert [n for _, n in _names("一、概述\n好。\n三、依申请公开情况\n无。\n二、主动公开情况\n略。")] == ["overview", "apps"]
