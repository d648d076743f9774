"""Number parsing: the formats real reports print."""

import pytest

from pipeline.extract.numbers import parse_cn_date, parse_cn_int, parse_number, parse_percent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("546", (546, False)),
        ("357,524", (357524, False)),
        ("３５７５２４", (357524, False)),
        ("2.45", (2.45, False)),
        ("3.5万", (35000, False)),
        ("两万", (20000, False)),
        ("三百二十", (320, False)),
        ("一千二百二十八", (1228, False)),
        ("十五", (15, False)),
        ("一千零五", (1005, False)),
        ("零", (0, False)),
        ("〇", (0, False)),
        ("3500余", (3500, True)),
        ("约640", (640, True)),
        ("近1000", (1000, True)),
        ("30多", (30, True)),
        ("24252.311082", (24252.311082, False)),
        ("1000余条", (1000, True)),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


def test_parse_number_rejects_non_numbers():
    assert parse_number("无") is None
    assert parse_number("/") is None
    assert parse_number("") is None
    assert parse_number("12,34") is None


def test_parse_cn_int():
    assert parse_cn_int("二○一二") == 2012
    assert parse_cn_int("三万五千") == 35000
    assert parse_cn_int("一亿二千万") == 120_000_000
    assert parse_cn_int("abc") is None


def test_parse_percent():
    assert parse_percent("增长2.45%") == 2.45
    assert parse_percent("１００％") == 100.0
    assert parse_percent("百分之三十") == 30.0
    assert parse_percent("百分之九十五点五") == 95.5
    assert parse_percent("no") is None


def test_parse_cn_date():
    assert parse_cn_date("二○一二年二月二十日") == "2012-02-20"
    assert parse_cn_date("二〇一九年三月二十七日") == "2019-03-27"
    assert parse_cn_date("2019年3月27日") == "2019-03-27"
    assert parse_cn_date("二○一二年十三月一日") is None
    assert parse_cn_date("2019年3月") is None
