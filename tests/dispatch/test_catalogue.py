"""The sample catalogue loads, and titles are matched loosely but never wrongly."""

from pathlib import Path

import pytest

from dispatch.catalogue import load_catalogue


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_sample_catalogue_has_unique_titles_and_valid_isbns(catalogue):
    assert 60 <= len(catalogue) <= 150
    for book in catalogue.books:
        digits = [int(c) for c in book.isbn]
        weights = [1 if i % 2 == 0 else 3 for i in range(13)]
        assert sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def test_exact_title_matches_with_or_without_brackets_and_full_width(catalogue):
    assert catalogue.match("百年孤独").book.title == "百年孤独"
    assert catalogue.match("《活着》").book.title == "活着"
    assert (
        catalogue.match("ｔｈｅ ｌｉｔｔｌｅ ｐｒｉｎｃｅ").book.title
        == "The Little Prince"
    )


def test_title_without_subtitle_matches_the_full_title(catalogue):
    assert catalogue.match("三体III").book.title == "三体III：死神永生"
    assert catalogue.match("三体").book.title == "三体"


def test_one_missing_character_still_matches(catalogue):
    assert catalogue.match("挪威森林").book.title == "挪威的森林"


def test_a_typo_in_a_short_title_is_not_guessed_but_offered_as_candidate(catalogue):
    result = catalogue.match("百年孤读")
    assert result.book is None
    assert "百年孤独" in [title for title, _ in result.candidates]


def test_unknown_title_gives_no_book(catalogue):
    assert catalogue.match("不存在的书").book is None


def test_titles_are_found_in_free_text_without_brackets(catalogue):
    hits = catalogue.find_in_text("我要活着两本和三体一本")
    assert [book.title for book, _, _ in hits] == ["活着", "三体"]


def test_bad_rows_are_all_reported_at_once(tmp_path: Path):
    path = tmp_path / "catalogue.csv"
    path.write_text(
        "title,isbn,price_cny,author\n,9787512024441,1,a\nX,123,1,b\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="2 bad rows"):
        load_catalogue(path)
