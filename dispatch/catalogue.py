"""The book catalogue: loading it and matching customers' titles against it.

Customers write titles loosely: without the subtitle, with a typo, in
traditional characters, with full-width letters. :meth:`Catalogue.match`
normalises both sides and scores them with rapidfuzz; a confident match returns
the catalogue entry, a weak one returns candidates so the order can go to
review. Nothing is silently replaced by another book.
"""

import csv
import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from geo.settings import bundled_data_dir

logger = logging.getLogger(__name__)

# Scores are rapidfuzz percentages (0–100).
ACCEPT_SCORE = 88.0
CANDIDATE_SCORE = 60.0

_TITLE_PUNCTUATION = "《》〈〉<>「」『』\"'“”‘’·・:：,，.。!！?？()（）[]【】 \t-—_"


def normalise_title(title: str) -> str:
    """Return a title folded for comparison.

    NFKC (full-width to half-width letters and digits), lower case, and
    punctuation and spaces removed, so ``《三体Ⅱ：黑暗森林》`` and ``三体II黑暗森林``
    compare equal.
    """
    folded = unicodedata.normalize("NFKC", title).lower()
    return "".join(ch for ch in folded if ch not in _TITLE_PUNCTUATION)


@dataclass(frozen=True)
class Book:
    """One catalogue entry."""

    title: str
    isbn: str
    price_cny: float
    author: str

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError(f"title must not be empty (isbn {self.isbn!r})")
        if len(self.isbn) != 13 or not self.isbn.isdigit():
            raise ValueError(
                f"isbn must be 13 digits, got {self.isbn!r} for {self.title!r}"
            )
        if self.price_cny < 0:
            raise ValueError(
                f"price_cny must be >= 0, got {self.price_cny} for {self.title!r}"
            )


@dataclass(frozen=True)
class TitleMatch:
    """The outcome of matching one customer-written title.

    ``book`` is set only when the match is confident; ``candidates`` lists the
    closest catalogue titles with their scores (best first) either way.
    """

    query: str
    book: Book | None
    score: float
    candidates: tuple[tuple[str, float], ...] = field(default=())


class Catalogue:
    """An in-memory catalogue with fuzzy title lookup.

    Parameters
    ----------
    books
        The entries; titles and ISBNs must be unique.
    """

    def __init__(self, books: list[Book]) -> None:
        if not books:
            raise ValueError("books must not be empty: a catalogue needs entries")
        self.books: tuple[Book, ...] = tuple(books)
        self._by_key: dict[str, Book] = {}
        seen_isbn: set[str] = set()
        for book in books:
            key = normalise_title(book.title)
            if key in self._by_key:
                raise ValueError(f"duplicate title in catalogue: {book.title!r}")
            if book.isbn in seen_isbn:
                raise ValueError(f"duplicate isbn in catalogue: {book.isbn!r}")
            self._by_key[key] = book
            seen_isbn.add(book.isbn)
        self._keys = list(self._by_key)
        # Short keys first so a longest-match scan of free text prefers long ones.
        self._keys_by_length = sorted(self._keys, key=len, reverse=True)

    def __len__(self) -> int:
        return len(self.books)

    def by_isbn(self, isbn: str) -> Book | None:
        """Return the entry with this ISBN, or None."""
        return next((b for b in self.books if b.isbn == isbn), None)

    def match(self, title: str, limit: int = 3) -> TitleMatch:
        """Match a customer-written title against the catalogue.

        Parameters
        ----------
        title
            The title as written (with or without 《》).
        limit
            How many candidates to return.

        Returns
        -------
        TitleMatch
            With ``book`` set when the best score reaches ``ACCEPT_SCORE`` and
            is unambiguous, else ``book=None`` and the candidates.
        """
        key = normalise_title(title)
        if not key:
            return TitleMatch(query=title, book=None, score=0.0)
        exact = self._by_key.get(key)
        if exact is not None:
            return TitleMatch(
                query=title, book=exact, score=100.0, candidates=((exact.title, 100.0),)
            )

        scored = process.extract(
            key, self._keys, scorer=_title_score, limit=limit, score_cutoff=0
        )
        candidates = tuple(
            (self._by_key[k].title, round(float(s), 1))
            for k, s, _ in scored
            if s >= CANDIDATE_SCORE
        )
        if not scored:
            return TitleMatch(query=title, book=None, score=0.0)
        best_key, best_score, _ = scored[0]
        runner_up = scored[1][1] if len(scored) > 1 else 0.0
        confident = best_score >= ACCEPT_SCORE and best_score - runner_up >= 3.0
        return TitleMatch(
            query=title,
            book=self._by_key[best_key] if confident else None,
            score=round(float(best_score), 1),
            candidates=candidates,
        )

    def find_in_text(self, text: str) -> list[tuple[Book, int, int]]:
        """Find catalogue titles written verbatim (normalised) in free text.

        Returns
        -------
        list of (Book, start, end)
            Non-overlapping hits in the order they appear; ``start``/``end``
            index the NFKC-lower-cased text. Titles shorter than two characters
            are never searched (too many false hits).
        """
        folded = unicodedata.normalize("NFKC", text).lower()
        taken = [False] * len(folded)
        hits: list[tuple[Book, int, int]] = []
        for key in self._keys_by_length:
            if len(key) < 2:
                continue
            book = self._by_key[key]
            needle = unicodedata.normalize("NFKC", book.title).lower()
            for candidate in {needle, key}:
                start = folded.find(candidate)
                while start >= 0:
                    end = start + len(candidate)
                    if not any(taken[start:end]) and _is_word_bounded(
                        folded, start, end
                    ):
                        hits.append((book, start, end))
                        for i in range(start, end):
                            taken[i] = True
                    start = folded.find(candidate, end)
        hits.sort(key=lambda hit: hit[1])
        return hits


def _is_word_bounded(text: str, start: int, end: int) -> bool:
    """Return whether an ASCII hit is not part of a longer ASCII word."""
    if not text[start:end].isascii():
        return True
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (
        after.isascii() and after.isalnum()
    )


def _title_score(query: str, choice: str, **kwargs: object) -> float:
    """Score a folded query against a folded catalogue title (0–100).

    Plain ratio catches typos; a prefix match catches a title written without
    its subtitle (``三体III`` for ``三体III：死神永生``) but is discounted so the
    exact short title (``三体``) still wins when it exists.
    """
    score = fuzz.ratio(query, choice)
    if len(query) >= 2 and choice.startswith(query):
        score = max(score, 90.0)
    return float(score)


def default_catalogue_path() -> Path:
    """Return the path of the bundled sample catalogue."""
    return bundled_data_dir() / "catalogue.csv"


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load a catalogue CSV with columns ``title, isbn, price_cny, author``.

    Parameters
    ----------
    path
        The CSV; the bundled sample (made up) when None.

    Raises
    ------
    ValueError
        Listing every bad row at once (row number and problem).
    """
    path = default_catalogue_path() if path is None else path
    books: list[Book] = []
    problems: list[str] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        required = {"title", "isbn", "price_cny", "author"}
        missing = required - set(reader.fieldnames or ())
        if missing:
            raise ValueError(
                f"{path}: missing columns {sorted(missing)}; need {sorted(required)}"
            )
        for row_number, row in enumerate(reader, start=2):
            try:
                books.append(
                    Book(
                        title=row["title"].strip(),
                        isbn=row["isbn"].strip(),
                        price_cny=float(row["price_cny"]),
                        author=row["author"].strip(),
                    )
                )
            except ValueError as error:
                problems.append(f"row {row_number}: {error}")
    if problems:
        raise ValueError(f"{path}: {len(problems)} bad rows: " + "; ".join(problems))
    logger.info("loaded %d catalogue entries from %s", len(books), path)
    return Catalogue(books)
