"""Numbers as Chinese reports print them, shared by every extractor.

Reports mix Arabic digits (half- and full-width, with thousands commas), Chinese numerals
(三百二十, 一千二百二十八, 两万, 二○一二), 万/亿 multipliers (3.5万条) and hedges (约640人,
3500余人次) that make a value approximate. One parser for all of them keeps the extractors simple.

API:
    parse_number(text) -> (value, approximate) | None
    parse_cn_int(text) -> int | None
    parse_percent(text) -> float | None
    parse_cn_date(text) -> "YYYY-MM-DD" | None
    NUMBER_RE: a regex fragment matching one printed number (Arabic or Chinese, with 万/亿 and hedges)
"""

from __future__ import annotations

import re

Number = int | float

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，％－＋", "0123456789.,%-+")

_DIGITS = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "O": 0, "o": 0, "0": 0,
           "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
           "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}

CN_NUMERAL_CHARS = "零〇○一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
_APPROX_BEFORE = ("约", "近", "大约", "将近", "超过", "逾")
_APPROX_AFTER = ("余", "多", "左右", "以上", "上下")

#: one printed number: optional hedge, Arabic (commas, decimals) or Chinese numerals, optional 万/亿, optional 余/多
NUMBER_RE = (
    r"(?:约|近|大约|将近|超过|逾)?"
    r"(?:[0-9０-９]{1,3}(?:[,，][0-9０-９]{3})+(?:[.．][0-9０-９]+)?|[0-9０-９]+(?:[.．][0-9０-９]+)?"
    r"|[零〇○一二两三四五六七八九十百千壹贰叁肆伍陆柒捌玖拾佰仟]+)"
    r"(?:万|亿)?(?:余|多)?"
)


def _normalise(text: str) -> str:
    return text.translate(_FULLWIDTH).strip()


def parse_cn_int(text: str) -> int | None:
    """Chinese numerals to int: 三百二十 → 320, 一千二百二十八 → 1228, 两万 → 20000, 十五 → 15,
    and digit-by-digit forms (二○一二 → 2012). None if `text` is not purely a Chinese numeral."""
    text = text.strip()
    if not text or any(c not in _DIGITS and c not in _UNITS and c not in _BIG for c in text):
        return None
    if not any(c in _UNITS or c in _BIG for c in text):
        return int("".join(str(_DIGITS[c]) for c in text))  # 二○一二 → 2012
    total, section, digit = 0, 0, None
    for c in text:
        if c in _DIGITS:
            digit = _DIGITS[c]
        elif c in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[c]
            digit = None
        else:  # 万 / 亿
            section += digit or 0
            total = (total + section) * _BIG[c] if c == "亿" else total + section * _BIG[c]
            section, digit = 0, None
    return total + section + (digit or 0)


def parse_number(text: str) -> tuple[Number, bool] | None:
    """Parse one printed number → (value, approximate), or None.

    "1,228" → (1228, False); "3.5万" → (35000, False); "3500余" → (3500, True); "约640" → (640, True);
    "三百二十" → (320, False); "2.45" → (2.45, False). A trailing % or unit (条/件/人…) is ignored.
    Whole numbers come back as int, so 3.5万 is 35000 (int) and 24252.311 stays float.
    """
    s = _normalise(text)
    approx = False
    for hedge in _APPROX_BEFORE:
        if s.startswith(hedge):
            s, approx = s[len(hedge):], True
            break
    m = re.match(r"([0-9][0-9,]*(?:\.[0-9]+)?|[" + CN_NUMERAL_CHARS + r"壹贰叁肆伍陆柒捌玖拾佰仟]+)", s)
    if not m:
        return None
    core, rest = m.group(1), s[m.end():]
    multiplier = 1
    if core[0].isdigit():
        if "," in core and not re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", core):
            return None
        value: float = float(core.replace(",", ""))
        is_float = "." in core
        if rest[:1] in _BIG:
            multiplier, rest = _BIG[rest[0]], rest[1:]
    else:
        cn = parse_cn_int(core)
        if cn is None:
            return None
        value, is_float = float(cn), False
    for hedge in _APPROX_AFTER:
        if rest.startswith(hedge):
            approx = True
            break
    value *= multiplier
    if not is_float or value == int(value) and multiplier > 1:
        return int(round(value)), approx
    return value, approx


def parse_percent(text: str) -> float | None:
    """"2.45%" → 2.45, "百分之三十" → 30.0; None when there is no percentage."""
    s = _normalise(text)
    m = re.search(r"(-?[0-9]+(?:\.[0-9]+)?)\s*%", s)
    if m:
        return float(m.group(1))
    m = re.search(r"百分之([" + CN_NUMERAL_CHARS + r"点]+)", s)
    if m:
        whole, _, frac = m.group(1).partition("点")
        n = parse_cn_int(whole)
        if n is None:
            return None
        digits = "".join(str(_DIGITS[c]) for c in frac if c in _DIGITS)
        return float(f"{n}.{digits}" if digits else n)
    return None


def parse_cn_date(text: str) -> str | None:
    """A date printed in Chinese or Arabic numerals → "YYYY-MM-DD".

    "二○一二年二月二十日" → "2012-02-20"; "2019年3月27日" → "2019-03-27"; None if no full date.
    """
    s = _normalise(text)
    cn = "[0-9" + CN_NUMERAL_CHARS + "OoＯ]"
    m = re.search(rf"({cn}{{4}})\s*年\s*({cn}{{1,3}})\s*月\s*({cn}{{1,3}})\s*[日号]", s)
    if not m:
        return None
    parts = []
    for g in m.groups():
        n = int(g) if g.isdigit() else parse_cn_int(g)
        if n is None:
            return None
        parts.append(n)
    y, mo, d = parts
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"
