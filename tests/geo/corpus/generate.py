"""Write addresses.jsonl: the geocoding corpus for the tests and the benchmark.

Run from the repository root with ``ONEHOUR_DATA_DIR`` set:
``python tests/geo/corpus/generate.py``. Every address is built from a real
street, OSM place or AOI name of the city's data, then dressed the way
customers write: with or without city and district, house numbers (digits,
full-width or Chinese numerals), building/unit/room parts, spaces, and a
dropped character in about one in ten. Each row gives the true point and a
tolerance: 300 m around a place or AOI; for a street, its centre and half its
extent plus 100 m ("on the right street", since house numbers are not mapped).
Rows with ``"expect": "review"`` must get no point (another city, a street
that does not exist).
"""

import json
import random
from pathlib import Path

from geo.address import normalise_name
from geo.gazetteer import load_gazetteer

OUT = Path(__file__).with_name("addresses.jsonl")
CITY_PREFIX = {
    "beijing": ("北京市", "北京", "北京市朝阳区", "朝阳区", ""),
    "shanghai": ("上海市", "上海", "上海市黄浦区", "黄浦区", "静安区", ""),
    "guangzhou": ("广州市", "广州", "广州市天河区", "天河区", ""),
}
CN = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    if n < 10:
        return CN[n]
    if n < 20:
        return "十" + (CN[n % 10] if n % 10 else "")
    if n < 100:
        return CN[n // 10] + "十" + (CN[n % 10] if n % 10 else "")
    return "".join(CN[int(d)] for d in str(n))


def house(rng: random.Random) -> str:
    n = rng.randrange(1, 300)
    shape = rng.randrange(5)
    if shape == 0:
        return f"{cn_number(n)}号"
    if shape == 1:
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n)) + "号"
    return f"{n}号"


def door(rng: random.Random) -> str:
    building, unit = rng.randrange(1, 12), rng.randrange(1, 5)
    room, floor = rng.randrange(101, 1900), rng.randrange(2, 30)
    return rng.choice(
        ["", "", f"{building}号楼{room}", f"{building}栋{unit}单元{room}室",
         f" {floor}楼", f"{rng.choice('ABC')}座{room}"]
    )  # fmt: skip


def typo(rng: random.Random, name: str) -> str:
    if len(name) >= 5 and rng.random() < 0.1:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1 :]
    return name


def main() -> None:
    rng = random.Random(6)
    rows = []
    for city in ("beijing", "shanghai", "guangzhou"):
        gazetteer = load_gazetteer(city)
        streets = [
            s for s in gazetteer.streets.values()
            if not s.name.isascii() and gazetteer.in_service_area(*s.centre, 0.0)
            and not s.name.endswith(("桥", "高架路", "隧道", "高速公路"))
        ]  # fmt: skip
        for street in rng.sample(streets, min(len(streets), 120)):
            for _ in range(3 if len(streets) < 30 else 1):
                text = (
                    rng.choice(CITY_PREFIX[city]) + typo(rng, street.name)
                    + house(rng) + door(rng)
                )  # fmt: skip
                rows.append({
                    "city": city, "address": text, "kind": "street",
                    "target": street.name, "lon": street.centre[0],
                    "lat": street.centre[1],
                    "tolerance_m": round(street.extent_m / 2 + 100),
                    "expect": "point",
                })  # fmt: skip
        places = []
        for key, entries in gazetteer.places.items():
            real = [p for p in entries if p.kind != "street_area"]
            if len(real) != 1 or len(key) < 3 or real[0].name.isascii():
                continue
            if key in gazetteer.streets or not gazetteer.in_service_area(
                real[0].lon, real[0].lat, 0.0
            ):
                continue
            places.append(real[0])
        for place in rng.sample(places, min(len(places), 120)):
            text = rng.choice(CITY_PREFIX[city]) + typo(rng, place.name) + door(rng)
            rows.append({
                "city": city, "address": text, "kind": place.kind,
                "target": place.name, "lon": place.lon, "lat": place.lat,
                "tolerance_m": 300, "expect": "point",
            })  # fmt: skip
        other = {
            "beijing": "上海市静安区南京西路",
            "shanghai": "北京市朝阳区太阳宫中路",
            "guangzhou": "上海市黄浦区淮海中路",
        }[city]
        for text in (
            f"{other}{rng.randrange(1, 300)}号",
            "深圳市南山区科技园南路8号",
            "杭州市西湖区文三路100号",
            "火星路999号",
            "不存在大街1号",
        ):
            assert normalise_name(text)
            rows.append({
                "city": city, "address": text, "kind": "bad", "target": None,
                "lon": None, "lat": None, "tolerance_m": 0, "expect": "review",
            })  # fmt: skip
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} addresses to {OUT}")


if __name__ == "__main__":
    main()
