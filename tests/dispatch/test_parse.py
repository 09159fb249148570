"""Chat messages become draft orders; incomplete ones go to review, nothing is lost."""

import pytest

from benchmarks.intake import PARSE_CORPUS, evaluate_parser, load_jsonl
from dispatch.parse import MAX_MESSAGE_CHARS, parse_message


def test_the_example_from_the_issue_is_parsed_completely():
    draft = parse_message(
        "张三 13812345678 北京市朝阳区太阳宫中路12号 《百年孤独》一本"
    )
    assert draft.status == "complete"
    assert (draft.name, draft.phone) == ("张三", "13812345678")
    assert draft.address == "北京市朝阳区太阳宫中路12号"
    assert [(i.title, i.quantity) for i in draft.items] == [("百年孤独", 1)]
    assert draft.items[0].isbn is not None
    assert draft.city_hint == "beijing"


def test_labelled_multiline_message_with_full_width_punctuation():
    draft = parse_message(
        "收件人：李四\n电话：139-1234-5678\n地址：上海市静安区南京西路1266号 15楼\n"
        "书名：活着 x2、三体\n备注：放前台"
    )
    assert draft.status == "complete"
    assert draft.phone == "13912345678"
    assert draft.address == "上海市静安区南京西路1266号 15楼"
    assert [(i.title, i.quantity) for i in draft.items] == [("活着", 2), ("三体", 1)]
    assert draft.notes == "放前台"


@pytest.mark.parametrize(
    "written",
    ["+86 138 1234 5678", "138-1234-5678", "１３８１２３４５６７８", "008613812345678"],
)
def test_phone_numbers_are_normalised_to_eleven_digits(written):
    draft = parse_message(f"张三 {written} 北京市朝阳区太阳宫中路12号 《活着》")
    assert draft.phone == "13812345678"


@pytest.mark.parametrize("bad", ["12812345678", "1381234567", "138123456789"])
def test_invalid_phone_is_reported_not_accepted(bad):
    draft = parse_message(f"张三 {bad} 北京市朝阳区太阳宫中路12号 《活着》")
    assert draft.phone is None
    assert draft.status == "needs_review"
    assert "phone" in draft.missing
    assert any("not a valid mainland mobile" in r for r in draft.reasons)


def test_quantities_in_every_common_form():
    draft = parse_message(
        "王五 13700001111 广州市天河区华夏路10号 要两本《活着》、《围城》x3、"
        "《三体》 2本、一本《繁花》"
    )
    got = [(i.title, i.quantity) for i in draft.items]
    assert got == [("活着", 2), ("围城", 3), ("三体", 2), ("繁花", 1)]


def test_unknown_title_is_kept_and_flagged_for_review():
    draft = parse_message("郑十 18600003333 上海市黄浦区福州路465号 《不存在的书》一本")
    assert draft.status == "needs_review"
    assert [i.title for i in draft.items] == ["不存在的书"]
    assert draft.items[0].isbn is None
    assert any("不存在的书" in r for r in draft.reasons)


def test_typo_title_goes_to_review_with_the_likely_title_as_candidate():
    draft = parse_message("李四 13912345678 上海市黄浦区淮海中路300号 《百年孤读》一本")
    assert draft.status == "needs_review"
    assert "百年孤独" in draft.items[0].candidates


def test_missing_address_is_listed():
    draft = parse_message("赵六 13700001111 《三体》")
    assert draft.missing == ["address"]
    assert draft.status == "needs_review"


@pytest.mark.parametrize("message", ["", "   \n ", "😀😀🙏", "你好在吗？想买书"])
def test_empty_or_chatter_only_message_needs_review_and_keeps_text(message):
    draft = parse_message(message)
    assert draft.status == "needs_review"
    assert draft.text == message
    assert set(draft.missing) == {"name", "phone", "address", "items"}


def test_emoji_do_not_break_fields():
    draft = parse_message(
        "我是许明😊，手机18248097020\n广州市天河区华成路186号🏠\n《呐喊》1本🙏"
    )
    assert draft.status == "complete"
    assert draft.address == "广州市天河区华成路186号"


def test_huge_message_is_parsed_on_its_head_and_kept_whole():
    message = (
        "张三 13812345678 北京市朝阳区太阳宫中路12号 《百年孤独》一本 " + "哈" * 5000
    )
    draft = parse_message(message)
    assert draft.text == message
    assert draft.phone == "13812345678"
    assert draft.status == "needs_review"
    assert any(str(MAX_MESSAGE_CHARS) in r for r in draft.reasons)


def test_english_mixed_message():
    draft = parse_message(
        "Hi this is Mike Liu, 13812340000, deliver to 北京市朝阳区望京西路48号, "
        "2 copies of The Great Gatsby"
    )
    assert draft.status == "complete"
    assert draft.name == "Mike Liu"
    assert [(i.title, i.quantity) for i in draft.items] == [("The Great Gatsby", 2)]


def test_corpus_has_enough_varied_messages():
    rows = load_jsonl(PARSE_CORPUS)
    assert len(rows) >= 150
    assert len({r["shape"] for r in rows}) >= 8
    assert sum(r["expected"]["status"] == "needs_review" for r in rows) >= 10


def test_field_precision_and_recall_on_complete_messages_reach_95_percent():
    figures = evaluate_parser(load_jsonl(PARSE_CORPUS))
    assert figures["parse_precision"] >= 0.95, figures["failures"][:5]
    assert figures["parse_recall"] >= 0.95, figures["failures"][:5]
    assert figures["status_accuracy"] >= 0.95


def test_each_applies_a_quantity_to_the_whole_list():
    draft = parse_message(
        "周迅，15111112222，北京市东城区安定门外大街138号，《文城》和《兄弟》各两本"
    )
    assert [(i.title, i.quantity) for i in draft.items] == [("文城", 2), ("兄弟", 2)]


def test_name_with_a_polite_title_and_address_label_without_colon():
    draft = parse_message(
        "刘德华先生 电话 137-1234-0000 地址北京市朝阳区北四环东路108号 《白鹿原》"
    )
    assert draft.name == "刘德华先生"
    assert draft.address == "北京市朝阳区北四环东路108号"
    assert draft.status == "complete"


def test_destination_verb_does_not_swallow_the_next_fields():
    draft = parse_message(
        "hello 我想要the little prince两本 寄到上海黄浦区汉口路300号 Lucy 13512345678"
    )
    assert draft.address == "上海黄浦区汉口路300号"
    assert draft.phone == "13512345678"
    assert [(i.title, i.quantity) for i in draft.items] == [("The Little Prince", 2)]
