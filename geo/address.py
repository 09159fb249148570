"""Normalise Chinese addresses for gazetteer lookup.

A delivery address such as ``上海市黄浦区淮海中路１２３弄５号３０２室`` is folded
(NFKC, no spaces or punctuation, Chinese numerals in house numbers turned into
digits), its administrative prefixes (province, city, district) are stripped
and remembered, and its tail is split into the house number on the street
(``123``, from ``号`` or ``弄``) and the parts a courier needs at the door but a
map does not (``5号302室``: building, unit, room).

The same :func:`normalise_name` is applied to gazetteer names, so the two sides
compare as equal strings.
"""

import re
import unicodedata
from dataclasses import dataclass

# City keys used across onehour, and how addresses write them.
CITY_NAMES: dict[str, tuple[str, ...]] = {
    "beijing": ("北京市", "北京"),
    "shanghai": ("上海市", "上海"),
    "guangzhou": ("广州市", "广州"),
}
CITY_DISTRICTS: dict[str, tuple[str, ...]] = {
    "beijing": (
        "东城", "西城", "朝阳", "海淀", "丰台", "石景山", "门头沟", "房山",
        "通州", "顺义", "昌平", "大兴", "怀柔", "平谷", "密云", "延庆",
    ),
    "shanghai": (
        "黄浦", "徐汇", "长宁", "静安", "普陀", "虹口", "杨浦", "闵行", "宝山",
        "嘉定", "浦东新", "浦东", "金山", "松江", "青浦", "奉贤", "崇明",
    ),
    "guangzhou": (
        "荔湾", "越秀", "海珠", "天河", "白云", "黄埔", "番禺", "花都", "南沙",
        "从化", "增城",
    ),
}  # fmt: skip
# Other cities customers may name by mistake: detected, never geocoded here.
OTHER_CITIES = (
    "深圳", "天津", "重庆", "杭州", "南京", "苏州", "成都", "武汉", "西安", "长沙",
    "郑州", "青岛", "厦门", "宁波", "东莞", "佛山", "沈阳", "大连", "济南", "合肥",
    "福州", "昆明", "哈尔滨", "长春", "石家庄", "太原", "南昌", "南宁", "贵阳",
    "兰州", "海口", "三亚", "珠海", "无锡", "香港", "澳门", "台北",
)  # fmt: skip

_CN_DIGIT = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_NUMBER = re.compile(
    r"[零〇一二两三四五六七八九十百千]+(?=号|弄|巷|栋|幢|座|单元|室|层|楼)"
)
_DROP = re.compile(r"[\s,.;:!?'\"()\[\]{}<>《》「」【】、，。；：！？（）·\-—_~#/|]+")
_PROVINCE = re.compile(r"^(?:中国|中华人民共和国)?(?:[\u4e00-\u9fff]{2,3}省)")
# Building, unit, room and floor parts after the house number.
_DOOR_PARTS = re.compile(
    r"(?:\d+[a-z]?(?:号楼|号院|栋|幢|座|单元|室|层|楼|户|门|号)?)+$|[a-z]座.*$"
)
# A city name followed by these is a street named after it (福州路, 北京路).
_NAMES_A_STREET = re.compile(r"[东南西北中]?(?:路|街|大街|大道|巷|里|桥|道)")
_HOUSE = re.compile(r"(\d+)(?:号|弄|巷)")


_DOOR_ONLY = re.compile(
    r"[a-z]?\d+[a-z]?(?:号楼|号院|栋|幢|座|单元|室|层|楼|号|门)?[a-z]?"
)


def is_door_only(name: str) -> bool:
    """Return whether a folded name is only a building/unit label (``1号楼``)."""
    return bool(_DOOR_ONLY.fullmatch(name))


def cn_to_int(text: str) -> int | None:
    """Return the value of a Chinese numeral below 10 000 (``十二`` → 12).

    Digit-by-digit forms (``一二三`` → 123) are accepted too.
    """
    if not text:
        return None
    if all(ch in _CN_DIGIT for ch in text):
        return int("".join(str(_CN_DIGIT[ch]) for ch in text))
    total = 0
    current = 0
    for ch in text:
        if ch in _CN_DIGIT:
            current = _CN_DIGIT[ch]
        elif ch in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


def fold(text: str) -> str:
    """Fold text: NFKC (full-width to half-width), lower case, no punctuation."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _DROP.sub("", folded)


def normalise_name(name: str) -> str:
    """Fold a gazetteer name or an address fragment for exact comparison."""
    folded = fold(name)
    return _CN_NUMBER.sub(lambda m: str(cn_to_int(m.group(0)) or m.group(0)), folded)


@dataclass(frozen=True)
class ParsedAddress:
    """An address split into what the gazetteer matches and what it ignores.

    Attributes
    ----------
    text
        The address as given.
    core
        Folded street or place part, prefixes and door parts removed
        (``淮海中路``, ``国贸大厦``); may still hold a place after a street.
    house_number
        The number on the street (``号``, or ``弄`` for a Shanghai lane), if any.
    door
        Building / unit / room / floor parts, kept for the courier.
    city
        City key named by the address (``"beijing"`` …), if it names one.
    other_city
        Name of a city outside onehour's cities, if the address names one.
    district
        District named by the address (without ``区``), if any.
    """

    text: str
    core: str
    house_number: int | None
    door: str
    city: str | None
    other_city: str | None
    district: str | None


def parse_address(text: str) -> ParsedAddress:
    """Normalise an address and split it into prefixes, core, number and door."""
    folded = normalise_name(text)
    folded = _PROVINCE.sub("", folded)

    city = None
    other_city = None
    for key, names in CITY_NAMES.items():
        for name in names:
            if folded.startswith(name) and not _NAMES_A_STREET.match(folded, len(name)):
                city = key
                folded = folded[len(name) :]
                break
        if city:
            break
    if city is None:
        for name in OTHER_CITIES:
            if folded.startswith(name) and not _NAMES_A_STREET.match(folded, len(name)):
                other_city = name
                folded = folded[len(name) :].removeprefix("市")
                break

    district = None
    district_match = re.match(r"^([\u4e00-\u9fff]{2,3}?)(?:新区|区|县)", folded)
    if district_match:
        name = district_match.group(1)
        known = [k for k, v in CITY_DISTRICTS.items() if name in v]
        if known or other_city:
            district = name
            folded = folded[district_match.end() :]
            if city is None and len(known) == 1:
                city = known[0]
    # Sub-district (街道) and town (镇) prefixes such as 望京街道 are dropped.
    folded = re.sub(r"^[\u4e00-\u9fff]{2,4}(?:街道|镇|乡)(?=.)", "", folded)

    house_number = None
    door = ""
    house = _HOUSE.search(folded)
    if house:
        house_number = int(house.group(1))
        core = folded[: house.start()] + " " + folded[house.end() :]
        door_match = _DOOR_PARTS.search(folded[house.end() :])
        if door_match:
            door = door_match.group(0)
            core = (
                folded[: house.start()]
                + " "
                + folded[house.end() : house.end() + door_match.start()]
            )
    else:
        door_match = _DOOR_PARTS.search(folded)
        core = folded
        if door_match:
            door = door_match.group(0)
            core = folded[: door_match.start()]
    core = re.sub(r"\s+", " ", core).strip()
    return ParsedAddress(
        text=text,
        core=core,
        house_number=house_number,
        door=door,
        city=city,
        other_city=other_city,
        district=district,
    )
