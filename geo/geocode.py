"""Geocode Chinese delivery addresses offline, from a city's gazetteer.

:meth:`Geocoder.geocode` returns a WGS-84 point only when it is confident;
otherwise ``point`` is None and ``reason`` and ``candidates`` say why, so the
order goes to review instead of to a wrong door. :meth:`Geocoder.locate` does
the same for coordinates a caller sends (WGS-84, GCJ-02 or BD-09).

How an address is resolved, most to least precise:

1. a house number tagged in OSM on the named street (confidence 0.95);
2. a named place or area in the address (``国贸大厦``, an AOI) (0.9);
3. interpolation by number between tagged house numbers of the street (0.8);
4. the street alone: its midpoint, with a confidence that falls with the
   street's length, because without numbering data the door can be anywhere
   along it (0.75 up to 1 km, 0.65 up to 2.5 km, 0.45 beyond);
5. fuzzy matches (typos, a missing character) at a discount.

Notes
-----
Confidences are calibrated by hand, not learned: they order the kinds of
evidence and set the review threshold (``GeocoderSettings.min_confidence``).
The extracts are small; most OSM streets carry no house numbers, so most street
addresses resolve at level 4.
"""

import logging
import re
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process

from geo.address import ParsedAddress, parse_address
from geo.coords import CRS_NAMES, haversine_m, in_china, to_wgs84
from geo.gazetteer import Gazetteer, Place, Street, load_gazetteer

logger = logging.getLogger(__name__)

MAX_ADDRESS_CHARS = 200
# A place name followed by these is the head of a longer, unknown street name
# (``东四`` in ``东四环北路`` or ``东四北路``).
_ROAD_CONTINUES = re.compile(
    r"[东南西北中内外]?[一二三四五六七八九十\d]?[路街道巷环桥弄里]"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_STREET_PIECE = re.compile(r"[\u4e00-\u9fffa-z]{2,10}?(?:大道|路|街|巷|胡同|道)")


class GeocoderSettings(BaseModel):
    """Thresholds of the geocoder (frozen, validated)."""

    model_config = ConfigDict(frozen=True)

    min_confidence: float = Field(default=0.6, gt=0.0, le=1.0)
    """Below this a result has no point and goes to review."""
    service_margin_m: float = Field(default=3000.0, ge=0.0)
    """How far outside the city's box a point may lie and still be served."""
    max_off_network_m: float = Field(default=400.0, gt=0.0)
    """Caller coordinates farther than this from any street are rejected."""
    ambiguous_spread_m: float = Field(default=400.0, gt=0.0)
    """Same-name places spread wider than this are ambiguous."""
    fuzzy_street_score: float = Field(default=80.0, ge=0.0, le=100.0)
    fuzzy_place_score: float = Field(default=88.0, ge=0.0, le=100.0)


@dataclass(frozen=True)
class Candidate:
    """One possible location for an address."""

    name: str
    kind: str
    """``house_number``, ``place``, ``aoi``, ``interpolated``, ``street``,
    ``street_area`` (centre of areas named after a street), or ``coordinates``."""
    lon: float
    lat: float
    confidence: float
    detail: str = ""


@dataclass(frozen=True)
class GeocodeResult:
    """The answer for one address: a point only when confident.

    Attributes
    ----------
    point
        WGS-84 ``(lon, lat)``, or None when the address needs review.
    confidence
        0–1, of the best candidate.
    candidates
        Best first; present also when ``point`` is None.
    reason
        Why ``point`` is None, or how it was found.
    door
        Building / unit / room parts of the address, for the courier.
    """

    point: tuple[float, float] | None
    confidence: float
    candidates: tuple[Candidate, ...] = ()
    reason: str = ""
    door: str = ""

    @property
    def needs_review(self) -> bool:
        """Return whether the address must be checked by a person."""
        return self.point is None


@dataclass
class _Matches:
    streets: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    fuzzy_score: float = 100.0
    loose: set[str] = field(default_factory=set)
    """Places whose name is followed by unmatched text (``上海中医医院石门路诊部``)."""


class Geocoder:
    """Geocode addresses and caller coordinates for onehour's cities.

    Parameters
    ----------
    settings
        Thresholds; defaults when None.
    gazetteers
        Prebuilt gazetteers by city (tests); loaded from the cache on first use
        otherwise.
    """

    def __init__(
        self,
        settings: GeocoderSettings | None = None,
        gazetteers: dict[str, Gazetteer] | None = None,
    ) -> None:
        self.settings = GeocoderSettings() if settings is None else settings
        self._gazetteers: dict[str, Gazetteer] = dict(gazetteers or {})
        self._fuzzy_streets: dict[str, list[str]] = {}
        self._fuzzy_places: dict[str, list[str]] = {}

    def gazetteer(self, city: str) -> Gazetteer:
        """Return (loading on first use) the gazetteer of ``city``."""
        if city not in self._gazetteers:
            self._gazetteers[city] = load_gazetteer(city)
        return self._gazetteers[city]

    # -- addresses -------------------------------------------------------------

    def geocode(self, address: str, city: str) -> GeocodeResult:
        """Geocode a Chinese address in ``city``.

        Parameters
        ----------
        address
            Free text (``北京市朝阳区太阳宫中路12号3号楼501``).
        city
            City key (``beijing``, ``shanghai``, ``guangzhou``).

        Returns
        -------
        GeocodeResult
            With a WGS-84 point when the best candidate reaches
            ``settings.min_confidence`` and lies in the service area; else
            no point, the candidates and the reason.
        """
        if not address or not address.strip():
            return GeocodeResult(None, 0.0, reason="empty address")
        if len(address) > MAX_ADDRESS_CHARS:
            return GeocodeResult(
                None,
                0.0,
                reason=f"address too long ({len(address)} characters, at most "
                f"{MAX_ADDRESS_CHARS}): not an address",
            )
        parsed = parse_address(address)
        if parsed.other_city:
            return GeocodeResult(
                None,
                0.0,
                reason=f"address is in {parsed.other_city}, not in {city}",
                door=parsed.door,
            )
        if parsed.city and parsed.city != city:
            return GeocodeResult(
                None,
                0.0,
                reason=f"address is in {parsed.city}, not in {city}",
                door=parsed.door,
            )
        gazetteer = self.gazetteer(city)
        if not parsed.core:
            return GeocodeResult(
                None, 0.0, reason="no street or place name in the address"
            )

        matches = self._exact_matches(parsed.core, gazetteer)
        if not (matches.streets or matches.places):
            matches = self._fuzzy_matches(parsed.core, gazetteer, city)
        candidates = self._candidates(parsed, matches, gazetteer)
        return self._decide(parsed, candidates, gazetteer, city)

    def _exact_matches(self, core: str, gazetteer: Gazetteer) -> _Matches:
        """Find the longest gazetteer names written verbatim in the core."""
        matches = _Matches()
        longest = gazetteer.max_key_length
        for piece in core.split(" "):
            covered_until = 0
            start = 0
            while start < len(piece):
                found = None
                for length in range(min(longest, len(piece) - start), 1, -1):
                    key = piece[start : start + length]
                    if key in gazetteer.streets or key in gazetteer.places:
                        found = key
                        break
                if found is None or start + len(found) <= covered_until:
                    start += 1
                    continue
                end = start + len(found)
                is_street = found in gazetteer.streets
                if not is_street and (
                    _ROAD_CONTINUES.match(piece, end) or start != covered_until
                ):
                    # ``东四`` inside ``东四环``, ``电影院`` inside ``万达电影院``:
                    # part of an unknown longer name.
                    start += 1
                    continue
                (matches.streets if is_street else matches.places).append(found)
                covered_until = end
                start = end
            trailing = piece[covered_until:]
            if (
                matches.places
                and covered_until > 0
                and len(_CJK.findall(trailing)) >= 2
            ):
                matches.loose.add(matches.places[-1])
        return matches

    def _fuzzy_matches(self, core: str, gazetteer: Gazetteer, city: str) -> _Matches:
        """Match street-like pieces and whole pieces by similarity."""
        matches = _Matches(fuzzy_score=0.0)
        if city not in self._fuzzy_streets:
            self._fuzzy_streets[city] = list(gazetteer.streets)
            self._fuzzy_places[city] = [
                k
                for k, v in gazetteer.places.items()
                if any(p.kind != "street_area" for p in v)
            ]
        for piece in core.split(" "):
            street_piece = _STREET_PIECE.search(piece)
            if street_piece:
                best = process.extract(
                    street_piece.group(0),
                    self._fuzzy_streets[city],
                    scorer=fuzz.ratio,
                    limit=2,
                    score_cutoff=self.settings.fuzzy_street_score,
                )
                if best:
                    matches.streets.extend(key for key, _, _ in best[:2])
                    score = float(best[0][1])
                    if len(best) > 1 and best[1][1] >= score - 3.0:
                        # Two streets as close (北三环路: 东 or 中?): not a match.
                        score = 50.0
                    matches.streets = matches.streets[: 1 if score > 50.0 else 2]
                    matches.fuzzy_score = max(matches.fuzzy_score, score)
                    continue
            plain = re.sub(r"\d+", "", piece)
            if len(plain) < 3:
                continue
            place = process.extractOne(
                plain,
                self._fuzzy_places[city],
                scorer=fuzz.ratio,
                score_cutoff=self.settings.fuzzy_place_score,
            )
            if place is not None:
                matches.places.append(place[0])
                matches.fuzzy_score = max(matches.fuzzy_score, float(place[1]))
        return matches

    def _candidates(
        self, parsed: ParsedAddress, matches: _Matches, gazetteer: Gazetteer
    ) -> list[Candidate]:
        discount = 1.0 if matches.fuzzy_score >= 100.0 else matches.fuzzy_score / 110.0
        candidates: list[Candidate] = []
        street_objects = [gazetteer.streets[k] for k in matches.streets]
        for key in matches.streets:
            candidates.extend(
                self._street_candidates(key, gazetteer, parsed.house_number)
            )
        for key in matches.places:
            found = self._place_candidates(key, gazetteer, street_objects)
            if key in matches.loose:
                found = [
                    Candidate(c.name, c.kind, c.lon, c.lat, min(c.confidence, 0.5),
                              "the address continues past this name")
                    for c in found
                ]  # fmt: skip
            candidates.extend(found)
        scaled = [
            Candidate(c.name, c.kind, c.lon, c.lat, round(c.confidence * discount, 3),
                      c.detail)
            for c in candidates
        ]  # fmt: skip
        scaled.sort(key=lambda c: c.confidence, reverse=True)
        return scaled

    def _street_candidates(
        self, key: str, gazetteer: Gazetteer, house_number: int | None
    ) -> list[Candidate]:
        street = gazetteer.streets[key]
        numbered = gazetteer.house_numbers.get(key, {})
        if house_number is not None and house_number in numbered:
            lon, lat = numbered[house_number]
            return [
                Candidate(
                    f"{street.name}{house_number}号", "house_number", lon, lat, 0.95
                )
            ]
        if house_number is not None and len(numbered) >= 2:
            lon, lat = _interpolate_number(numbered, house_number)
            return [
                Candidate(
                    f"{street.name}{house_number}号",
                    "interpolated",
                    lon,
                    lat,
                    0.8,
                    f"between {len(numbered)} tagged house numbers",
                )
            ]
        lon, lat = street.midpoint()
        if street.extent_m <= 1000.0:
            confidence = 0.75
        elif street.extent_m <= 2500.0:
            confidence = 0.65
        else:
            confidence = 0.45
        return [
            Candidate(
                street.name,
                "street",
                lon,
                lat,
                confidence,
                f"middle of {street.extent_m:.0f} m of street; house numbers "
                "are not mapped here",
            )
        ]

    def _place_candidates(
        self, key: str, gazetteer: Gazetteer, streets: list[Street]
    ) -> list[Candidate]:
        places = [p for p in gazetteer.places[key] if p.kind != "street_area"]
        if not places:
            return [
                _street_area_candidate(
                    gazetteer.places[key], self.settings.ambiguous_spread_m
                )
            ]
        if streets:
            # The address names a street too: prefer the places beside it.
            near = [
                p
                for p in places
                if min(s.distance_m(p.lon, p.lat) for s in streets) < 500
            ]
            if near:
                places = near
        lons = np.array([p.lon for p in places])
        lats = np.array([p.lat for p in places])
        centre_lon, centre_lat = float(np.median(lons)), float(np.median(lats))
        spread_m = float(np.max(haversine_m(lons, lats, centre_lon, centre_lat)))
        if spread_m <= self.settings.ambiguous_spread_m:
            kind = "aoi" if places[0].kind == "aoi" else "place"
            return [Candidate(places[0].name, kind, centre_lon, centre_lat, 0.9)]
        return [
            Candidate(
                p.name,
                p.kind,
                p.lon,
                p.lat,
                0.4,
                f"one of {len(places)} places of this name, {spread_m:.0f} m apart",
            )
            for p in places[:5]
        ]

    def _decide(
        self,
        parsed: ParsedAddress,
        candidates: list[Candidate],
        gazetteer: Gazetteer,
        city: str,
    ) -> GeocodeResult:
        if not candidates:
            return GeocodeResult(
                None,
                0.0,
                tuple(self._near_misses(parsed.core, gazetteer, city)),
                reason=f"no street or place of the address found in the {city} "
                "gazetteer",
                door=parsed.door,
            )
        best = candidates[0]
        if best.confidence < self.settings.min_confidence:
            return GeocodeResult(
                None,
                best.confidence,
                tuple(candidates),
                reason=f"best match {best.name!r} ({best.kind}) has confidence "
                f"{best.confidence:.2f} < {self.settings.min_confidence}: "
                f"{best.detail or 'too uncertain'}",
                door=parsed.door,
            )
        if not gazetteer.in_service_area(
            best.lon, best.lat, self.settings.service_margin_m
        ):
            return GeocodeResult(
                None,
                best.confidence,
                tuple(candidates),
                reason=f"{best.name!r} lies outside the {city} service area",
                door=parsed.door,
            )
        return GeocodeResult(
            (best.lon, best.lat),
            best.confidence,
            tuple(candidates),
            reason=f"matched {best.name!r} ({best.kind})",
            door=parsed.door,
        )

    def _near_misses(
        self, core: str, gazetteer: Gazetteer, city: str
    ) -> list[Candidate]:
        """Return weak street matches to show a reviewer (never used as answers)."""
        misses = []
        for piece in core.split(" "):
            street_piece = _STREET_PIECE.search(piece)
            if street_piece is None:
                continue
            for key, score, _ in process.extract(
                street_piece.group(0),
                self._fuzzy_streets.get(city, list(gazetteer.streets)),
                scorer=fuzz.ratio,
                limit=3,
                score_cutoff=60.0,
            ):
                street = gazetteer.streets[key]
                lon, lat = street.midpoint()
                misses.append(
                    Candidate(
                        street.name,
                        "street",
                        lon,
                        lat,
                        round(score / 200.0, 3),
                        f"similar name ({score:.0f} %), not a match",
                    )
                )
        return misses

    # -- coordinates ------------------------------------------------------------

    def locate(self, lon: float, lat: float, crs: str, city: str) -> GeocodeResult:
        """Check and convert coordinates sent by a caller.

        Parameters
        ----------
        lon, lat
            Degrees in the caller's declared system.
        crs
            ``wgs84``, ``gcj02`` or ``bd09``.
        city
            City key; the point must lie in its service area and near a street.

        Returns
        -------
        GeocodeResult
            The WGS-84 point with confidence 1, or no point and the reason:
            invalid numbers, outside China, outside the service area, or far
            from every street (with a hint when another declared system would
            put it on the network).
        """
        if crs not in CRS_NAMES:
            return GeocodeResult(
                None, 0.0, reason=f"crs must be one of {CRS_NAMES}, got {crs!r}"
            )
        if (
            not (np.isfinite(lon) and np.isfinite(lat))
            or abs(lat) > 90
            or abs(lon) > 180
        ):
            return GeocodeResult(
                None, 0.0, reason=f"({lon}, {lat}) are not valid lon/lat degrees"
            )
        if not bool(in_china(lon, lat)):
            return GeocodeResult(
                None,
                0.0,
                reason=f"({lon:.5f}, {lat:.5f}) lies outside China; lon/lat swapped?",
            )
        gazetteer = self.gazetteer(city)
        wgs_lon, wgs_lat = (float(v) for v in to_wgs84(lon, lat, crs))
        if not gazetteer.in_service_area(
            wgs_lon, wgs_lat, self.settings.service_margin_m
        ):
            return GeocodeResult(
                None,
                0.0,
                reason=f"({lon:.5f}, {lat:.5f}) {crs} lies outside the {city} service "
                "area",
            )
        off_m = gazetteer.nearest_street_m(wgs_lon, wgs_lat)
        candidate = Candidate("coordinates", "coordinates", wgs_lon, wgs_lat, 1.0)
        if off_m <= self.settings.max_off_network_m:
            return GeocodeResult(
                (wgs_lon, wgs_lat),
                1.0,
                (candidate,),
                reason=f"{crs} converted to wgs84; {off_m:.0f} m from a street",
            )
        hints = []
        for other in CRS_NAMES:
            if other == crs:
                continue
            alt_lon, alt_lat = (float(v) for v in to_wgs84(lon, lat, other))
            alt_m = gazetteer.nearest_street_m(alt_lon, alt_lat)
            if alt_m <= self.settings.max_off_network_m:
                hints.append(f"read as {other} it is {alt_m:.0f} m from a street")
        hint = f" ({'; '.join(hints)}: check the declared crs)" if hints else ""
        return GeocodeResult(
            None,
            0.0,
            (candidate,),
            reason=f"({lon:.5f}, {lat:.5f}) {crs} is {off_m:.0f} m from the nearest "
            f"street, more than {self.settings.max_off_network_m:.0f} m{hint}",
        )


def _interpolate_number(
    numbered: dict[int, tuple[float, float]], number: int
) -> tuple[float, float]:
    """Interpolate (or extrapolate) a house number between tagged ones."""
    numbers = np.array(sorted(numbered), dtype=float)
    lons = np.array([numbered[int(n)][0] for n in numbers])
    lats = np.array([numbered[int(n)][1] for n in numbers])
    clamped = min(max(float(number), numbers[0]), numbers[-1])
    return float(np.interp(clamped, numbers, lons)), float(
        np.interp(clamped, numbers, lats)
    )


def _street_area_candidate(places: list[Place], spread_limit_m: float) -> Candidate:
    """Return the centre of areas labelled after a street (``淮海中路 nearby``)."""
    lons = np.array([p.lon for p in places])
    lats = np.array([p.lat for p in places])
    centre_lon, centre_lat = float(np.median(lons)), float(np.median(lats))
    spread_m = float(np.percentile(haversine_m(lons, lats, centre_lon, centre_lat), 90))
    confidence = 0.65 if spread_m <= 2.5 * spread_limit_m else 0.45
    return Candidate(
        places[0].name,
        "street_area",
        centre_lon,
        centre_lat,
        confidence,
        f"centre of {len(places)} areas along the street, 90 % within {spread_m:.0f} m",
    )
