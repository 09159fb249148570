"""Turn a free-text chat message into a draft order.

Customers write orders as chat messages: ``张三 13812345678 北京市朝阳区太阳宫中路12号
《百年孤独》一本``, or with labels (``收件人：…  电话：…``), on one line or several,
with full-width punctuation, emoji, chatter and English mixed in.
:func:`parse_message` pulls out the name, mainland mobile number, address,
items (titles in 《》 or matched against the catalogue, with quantities), notes
and requested time, and says what is missing or uncertain. An incomplete
draft has status ``needs_review`` with its reasons; nothing the customer
wrote is dropped (the original text is kept, unknown titles are listed).

Notes
-----
This is a rule-based parser, not a language model: labelled fields are
trusted first, then unlabelled pieces are classified by shape (phone pattern,
address markers such as 路/号/小区, common surnames). Unlabelled names that do
not start with a common surname, and addresses with no marker at all (a bare
landmark name), are missed and reported as missing rather than guessed.
"""

import logging
import re
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, Field

from dispatch.catalogue import Catalogue, load_catalogue

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
"""Longer messages are parsed on their first ``MAX_MESSAGE_CHARS`` characters."""

REQUIRED_FIELDS = ("name", "phone", "address", "items")

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱"
    "江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢"
    "安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅"
    "童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾"
    "尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容", "令狐", "皇甫")
_NAME_STOPWORDS = {
    "周末",
    "周一",
    "周二",
    "周三",
    "周四",
    "周五",
    "周六",
    "周日",
    "明天",
    "今天",
    "后天",
    "马上",
    "时间",
    "方便",
    "高兴",
    "谢谢",
    "麻烦",
    "江湖",
    "路上",
    "安全",
    "金额",
    "包装",
    "全部",
    "常规",
    "尽快",
    "何时",
    "余额",
    "单号",
    "毛病",
    "关于",
    "文学",
    "程序",
    "宁愿",
    "曾经",
    "万一",
    "方向",
    "于是",
    "还有",
    "祝好",
    "和平",
    "华夏",
    "温馨",
    "康复",
    "贺卡",
    "张罗",
    "管理",
    "刘海",
    "简单",
    "陆续",
    "齐全",
    "黄金",
    "朱红",
}
_NAME_TITLES = ("先生", "女士", "小姐", "老师", "同学", "阿姨", "师傅", "总", "经理")

_LABELS: dict[str, tuple[str, ...]] = {
    "name": (
        "姓名",
        "名字",
        "收件人",
        "收货人",
        "联系人",
        "收件人姓名",
        "客户",
        "name",
        "recipient",
        "contact",
    ),
    "phone": (
        "电话",
        "手机",
        "手机号",
        "手机号码",
        "联系电话",
        "电话号码",
        "联系方式",
        "tel",
        "phone",
        "mobile",
        "cell",
    ),
    "address": (
        "地址",
        "收货地址",
        "收件地址",
        "配送地址",
        "送货地址",
        "详细地址",
        "address",
        "addr",
    ),
    "items": ("书名", "书目", "图书", "书", "商品", "book", "books", "title", "items"),
    "notes": ("备注", "留言", "说明", "note", "notes", "remark", "remarks"),
    "time": (
        "时间",
        "送达时间",
        "配送时间",
        "送货时间",
        "期望时间",
        "time",
        "deliver by",
    ),
}
# Labels that introduce an address without a colon ("送到朝阳区…").
_ADDRESS_VERBS = ("送到", "送至", "寄到", "配送到", "送去", "deliver to", "ship to")

_SEP = r"\s,;!?。！？、|/~"
_FIELD_SPLIT = re.compile(r"[\s,;!?。！？|~]+")

_PHONE = re.compile(
    r"(?<![\d])(?:(?:\+|00)?86[\s-]*)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?![\d])"
)
_LONG_DIGITS = re.compile(r"(?<![\d])\+?\d[\d\s-]{6,}\d(?![\d])")

_QTY_WORD = r"(?:\d{1,3}|[零〇一二两俩三四五六七八九十]{1,3})"
_QTY_AFTER = re.compile(
    rf"^\s*(?:[x×*]\s*(?P<n1>\d{{1,3}})(?:\s*(?:本|册|套|份))?"
    rf"|(?P<n2>{_QTY_WORD})\s*(?:本|册|套|份|copies|copy|pcs)"
    rf"|各\s*(?P<n3>{_QTY_WORD})\s*(?:本|册|套|份))",
    re.IGNORECASE,
)
_QTY_BEFORE = re.compile(
    rf"(?:(?P<n1>{_QTY_WORD})\s*(?:本|册|套|份)"
    rf"|(?<!\d)(?P<n2>\d{{1,3}})\s*(?:copies of|copy of|x|×))\s*(?:的)?\s*$",
    re.IGNORECASE,
)
_BRACKET_TITLE = re.compile(r"《([^《》]{1,60})》")

_TIME = re.compile(
    r"(?:(?:今天|明天|今晚|今早|后天|周[一二三四五六日末])\s*)?"
    r"(?:(?:上午|下午|中午|晚上|傍晚|早上)\s*)?"
    r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:[:：]\s*\d{2}|点(?:半|\d{1,2}分?|钟)?)"
    r"(?:\s*(?:前|之前|以前|左右|以后|后|到|之内))?"
    r"|(?:今天|明天|今晚|后天)(?:\s*(?:上午|下午|中午|晚上|傍晚|早上))?(?:\s*(?:前|之前|送到|送达))?"
    r"|(?:上午|下午|中午|晚上|傍晚)(?:\s*(?:前|之前|送到|送达))"
    r"|尽快|越快越好|马上|一小时内|半小时内|asap|as soon as possible"
    r"|before\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)?|by\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)"
    r"|\d{1,2}(?::\d{2})?\s*(?:am|pm)",
    re.IGNORECASE,
)

_NOTE_HINTS = re.compile(
    r"门卫|前台|门口|快递柜|丰巢|物业|打电话|电话联系|敲门|门铃|电梯|包装|发票|礼物|贺卡|"
    r"代收|放在|放到|别打|不要打|先联系|联系我|到了|楼下|收据|包起来|gift|call me|"
    r"leave it|front desk|doorbell|reception",
    re.IGNORECASE,
)

_ADDRESS_STRONG = re.compile(
    r"省|市|区|县|路|街|大道|胡同|巷|弄|里\d|号|栋|幢|号楼|单元|室|小区|大厦|广场|公寓|"
    r"花园|家园|苑|园|村|院|中心|大楼|大学|学院|医院|酒店|商场|城|座|楼|坊|湾|府|庭|"
    r"road|street|rd\b|st\b|avenue|ave\b",
    re.IGNORECASE,
)
_ADDRESS_START = re.compile(
    r"^(?:北京|上海|广州|天津|重庆|深圳|杭州|南京|[\u4e00-\u9fff]{2,3}[省市区])"
)

_CHATTER = re.compile(
    r"^(?:你好|您好|老板|亲|hi|hello|hey|谢谢|多谢|谢啦|麻烦了|麻烦|辛苦了|辛苦|thanks|"
    r"thank you|pls|please|请|在吗|下单|我要下单|帮我|给我|我要|要|买|订|来|想买|"
    r"请送|送到|送达|送来|送过来|送|一下|哈|哈哈|嗯|好的|ok|急|急用|急急急|拜托|么么哒|~)+$",
    re.IGNORECASE,
)

_INTRO = re.compile(
    r"(?:我是|我叫|本人|收件人是|收件人|收货人|联系人)\s*(?P<name>[\u4e00-\u9fff]{2,4}?)"
    r"(?=[\s,;!?。，]|$|\d|手机|电话)"
    r"|(?:this is|i am|i'm|my name is)\s+(?P<name_en>[A-Z][a-z]+(?: [A-Z][a-z]+)?)",
    re.IGNORECASE,
)

_DESTINATION = re.compile(
    r"^(?:送到|寄到|送至|送去|到|至|收货地址|地址是|地址为|地址)(?=[\u4e00-\u9fff]{2})"
)
_CJK_CHARS = re.compile(r"[\u4e00-\u9fff]")

_CITY_PREFIXES = {"北京": "beijing", "上海": "shanghai", "广州": "guangzhou"}


class DraftItem(BaseModel):
    """One line of a draft order."""

    title: str = Field(description="Catalogue title when matched, else as written.")
    quantity: int = Field(ge=1)
    isbn: str | None = Field(default=None, description="Set when matched.")
    written: str = Field(description="The title as the customer wrote it.")
    match_score: float = 0.0
    candidates: list[str] = Field(default_factory=list)


class DraftOrder(BaseModel):
    """A parsed chat message: the fields found and what is missing or uncertain."""

    text: str = Field(description="The original message, unchanged.")
    name: str | None = None
    phone: str | None = Field(default=None, description="11 digits, no country code.")
    address: str | None = None
    items: list[DraftItem] = Field(default_factory=list)
    notes: str | None = None
    requested_time: str | None = Field(
        default=None, description="The requested time as written (not interpreted)."
    )
    city_hint: str | None = Field(
        default=None, description="City named in the address, when it names one."
    )
    missing: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    status: Literal["complete", "needs_review"] = "needs_review"


def normalise_text(text: str) -> tuple[str, int]:
    """Fold a message for parsing and count the emoji removed.

    NFKC turns full-width letters, digits and punctuation into half-width; 《》
    and Chinese characters are kept. Emoji and other pictographs become spaces.
    """
    folded = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    emoji = 0
    for ch in folded:
        code = ord(ch)
        category = unicodedata.category(ch)
        if (
            code >= 0x1F000
            or 0x2600 <= code <= 0x27BF
            or 0x2B00 <= code <= 0x2BFF
            or category in ("So", "Cs", "Co")
            or code in (0xFE0F, 0x200D)
        ):
            emoji += category != "Mn"
            out.append(" ")
        elif category == "Cc" and ch not in "\n\t":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out), emoji


def _cn_number(word: str) -> int | None:
    """Return the value of ``12``, ``两``, ``十``, ``十二``, ``二十`` (up to 99)."""
    if word.isdigit():
        return int(word)
    if word == "十":
        return 10
    if "十" in word:
        tens, _, ones = word.partition("十")
        tens_v = _CN_DIGITS.get(tens, 1) if tens else 1
        ones_v = _CN_DIGITS.get(ones, 0) if ones else 0
        return tens_v * 10 + ones_v
    if len(word) == 1 and word in _CN_DIGITS:
        return _CN_DIGITS[word]
    return None


def _quantity(match: re.Match[str]) -> int | None:
    for group in ("n1", "n2", "n3"):
        value = match.groupdict().get(group)
        if value:
            return _cn_number(value)
    return None


class _Spans:
    """Character positions of the working text already claimed by a field."""

    def __init__(self, length: int) -> None:
        self.taken = [False] * length

    def claim(self, start: int, end: int) -> None:
        for i in range(max(start, 0), min(end, len(self.taken))):
            self.taken[i] = True

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def rest(self, text: str) -> str:
        return "".join(" " if t else ch for ch, t in zip(text, self.taken, strict=True))


class MessageParser:
    """Parse chat messages into draft orders against one catalogue.

    Parameters
    ----------
    catalogue
        Titles to match; the bundled sample when None.
    """

    def __init__(self, catalogue: Catalogue | None = None) -> None:
        self.catalogue = load_catalogue() if catalogue is None else catalogue
        self._label_re = self._build_label_re()

    @staticmethod
    def _build_label_re() -> re.Pattern[str]:
        alternatives = []
        for field_name, words in _LABELS.items():
            ordered = sorted(words, key=len, reverse=True)
            escaped = "|".join(re.escape(w) for w in ordered)
            alternatives.append(f"(?P<{field_name}>{escaped})")
        labels = "|".join(alternatives)
        verbs = "|".join(re.escape(v) for v in _ADDRESS_VERBS)
        return re.compile(
            rf"(?:^|(?<=[{_SEP}\n(\[【]))(?:(?:{labels})\s*(?:是|为)?\s*[:=：]\s*"
            rf"|(?P<verb>{verbs})\s*[:：]?\s*)",
            re.IGNORECASE | re.MULTILINE,
        )

    def parse(self, message: str) -> DraftOrder:
        """Parse one message; see :func:`parse_message`."""
        draft = DraftOrder(text=message)
        if not message or not message.strip():
            draft.missing = list(REQUIRED_FIELDS)
            draft.reasons = ["empty message: nothing to parse"]
            return draft

        text, emoji = normalise_text(message)
        if len(text) > MAX_MESSAGE_CHARS:
            draft.reasons.append(
                f"message too long ({len(message)} characters): parsed the first "
                f"{MAX_MESSAGE_CHARS}, the whole text is kept for review"
            )
            text = text[:MAX_MESSAGE_CHARS]
        if emoji:
            logger.debug("removed %d emoji before parsing", emoji)

        spans = _Spans(len(text))
        labelled = self._labelled_fields(text, spans)
        self._phone(text, spans, labelled, draft)
        self._items(text, spans, labelled, draft)
        self._time(text, spans, labelled, draft)
        self._rest(text, spans, labelled, draft)
        self._finish(draft)
        return draft

    # -- labelled fields -------------------------------------------------------

    def _labelled_fields(self, text: str, spans: _Spans) -> dict[str, list[str]]:
        """Return the values of labelled fields and claim their spans."""
        found = list(self._label_re.finditer(text))
        values: dict[str, list[str]] = {}
        for index, match in enumerate(found):
            field_name = next(
                (k for k in (*_LABELS, "verb") if match.groupdict().get(k)), "verb"
            )
            if field_name == "verb":
                field_name = "address"
            end = found[index + 1].start() if index + 1 < len(found) else len(text)
            line_end = text.find("\n", match.end())
            if 0 <= line_end < end:
                end = line_end
            value = text[match.end() : end]
            value, used = self._trim_value(field_name, value)
            if field_name == "items" and "《" in value:
                # The bracket pass claims the titles with their quantities.
                used = 0
            spans.claim(match.start(), match.end() + used)
            if value:
                values.setdefault(field_name, []).append(value)
        return values

    def _trim_value(self, field_name: str, value: str) -> tuple[str, int]:
        """Cut chatter off a labelled value; return it and the characters used."""
        stripped = value.rstrip()
        if field_name == "name":
            token = re.match(
                r"\s*([^\s,;，；。!?\d]+(?: [A-Za-z][A-Za-z.'-]*)*)", value
            )
            if token is None:
                return "", 0
            name = token.group(1).strip()
            return name, token.end()
        if field_name == "phone":
            token = re.match(r"\s*[+\d][\d\s-]*\d", value)
            if token is None:
                return "", 0
            return token.group(0).strip(), token.end()
        if field_name == "address":
            return _leading_address(value)
        if field_name == "time":
            return _leading_piece(value)
        return stripped.strip(" ,;。、"), len(stripped)

    # -- phone -----------------------------------------------------------------

    def _phone(
        self,
        text: str,
        spans: _Spans,
        labelled: dict[str, list[str]],
        draft: DraftOrder,
    ) -> None:
        phones: list[str] = []
        for value in labelled.get("phone", []):
            match = _PHONE.search(value)
            if match:
                phones.append("".join(match.groups()))
            else:
                draft.reasons.append(
                    f"phone {value!r} is not a valid mainland mobile number "
                    "(11 digits starting 13–19)"
                )
        for match in _PHONE.finditer(text):
            if spans.free(match.start(), match.end()):
                phones.append("".join(match.groups()))
                spans.claim(match.start(), match.end())
        for match in _LONG_DIGITS.finditer(text):
            digits = re.sub(r"\D", "", match.group(0))
            if spans.free(match.start(), match.end()) and len(digits) >= 8:
                spans.claim(match.start(), match.end())
                if not phones:
                    draft.reasons.append(
                        f"phone {match.group(0).strip()!r} is not a valid mainland "
                        "mobile number (11 digits starting 13–19)"
                    )
        unique = list(dict.fromkeys(phones))
        if unique:
            draft.phone = unique[0]
        if len(unique) > 1:
            draft.reasons.append(
                f"{len(unique)} different phone numbers; used the first, "
                "check the others"
            )

    # -- items -----------------------------------------------------------------

    def _items(
        self,
        text: str,
        spans: _Spans,
        labelled: dict[str, list[str]],
        draft: DraftOrder,
    ) -> None:
        written: list[tuple[int, str, int]] = []
        previous_end = -1
        run: list[int] = []
        for match in _BRACKET_TITLE.finditer(text):
            title = match.group(1).strip()
            quantity, start, end = self._quantity_around(
                text, match.start(), match.end(), spans
            )
            spans.claim(start, end)
            joined = previous_end >= 0 and re.fullmatch(
                r"[\s、,，和及与跟]*", text[previous_end : match.start()]
            )
            run = [*run, len(written)] if joined else [len(written)]
            written.append((match.start(), title, quantity))
            if re.match(r"\s*各", text[match.end() : end]):
                # 《文城》和《兄弟》各两本: the count applies to the whole list.
                for index in run:
                    position, earlier, _ = written[index]
                    written[index] = (position, earlier, quantity)
            previous_end = match.end() if end == match.end() else -1

        for value in labelled.get("items", []):
            if "《" in value:
                continue
            for part in re.split(r"[、,;，；+/&]|和|及|\band\b", value):
                title, quantity = _split_quantity(part)
                if title:
                    written.append((text.find(title), title, quantity))

        rest = spans.rest(text)
        for book, start, end in self.catalogue.find_in_text(rest):
            if not spans.free(start, end):
                continue
            quantity, q_start, q_end = self._quantity_around(text, start, end, spans)
            spans.claim(q_start, q_end)
            written.append((start, book.title, quantity))

        written.sort(key=lambda w: w[0])
        for _, title, quantity in written:
            draft.items.append(self._match_item(title, quantity, draft))

    def _quantity_around(
        self, text: str, start: int, end: int, spans: _Spans
    ) -> tuple[int, int, int]:
        """Find the quantity written after (preferred) or before a title.

        A quantity already claimed by a neighbouring title is not taken twice.
        """
        after = _QTY_AFTER.match(text[end : end + 12])
        if (
            after
            and spans.free(end, end + after.end())
            and (
                after.group("n1") is not None
                or not _starts_next_title(text, end + after.end())
            )
        ):
            value = _quantity(after)
            if value:
                return value, start, end + after.end()
        window_start = max(0, start - 14)
        before = _QTY_BEFORE.search(text[window_start:start])
        if before and spans.free(window_start + before.start(), start):
            value = _quantity(before)
            if value:
                return value, window_start + before.start(), end
        return 1, start, end

    def _match_item(self, title: str, quantity: int, draft: DraftOrder) -> DraftItem:
        match = self.catalogue.match(title)
        if match.book is not None:
            return DraftItem(
                title=match.book.title,
                quantity=quantity,
                isbn=match.book.isbn,
                written=title,
                match_score=match.score,
                candidates=[c for c, _ in match.candidates],
            )
        hint = ""
        if match.candidates:
            hint = "; closest: " + ", ".join(f"《{c}》" for c, _ in match.candidates)
        draft.reasons.append(f"title 《{title}》 is not in the catalogue{hint}")
        return DraftItem(
            title=title,
            quantity=quantity,
            written=title,
            match_score=match.score,
            candidates=[c for c, _ in match.candidates],
        )

    # -- time ------------------------------------------------------------------

    def _time(
        self,
        text: str,
        spans: _Spans,
        labelled: dict[str, list[str]],
        draft: DraftOrder,
    ) -> None:
        if labelled.get("time"):
            draft.requested_time = labelled["time"][0]
            return
        for match in _TIME.finditer(text):
            if spans.free(match.start(), match.end()) and not _inside_address(
                text, match.start(), match.end()
            ):
                draft.requested_time = match.group(0).strip()
                spans.claim(match.start(), match.end())
                return

    # -- unlabelled rest ---------------------------------------------------------

    def _rest(
        self,
        text: str,
        spans: _Spans,
        labelled: dict[str, list[str]],
        draft: DraftOrder,
    ) -> None:
        names = list(labelled.get("name", []))
        addresses = list(labelled.get("address", []))
        notes = list(labelled.get("notes", []))

        rest = spans.rest(text)
        for intro in _INTRO.finditer(rest):
            names.append((intro.group("name") or intro.group("name_en")).strip())
        rest = _INTRO.sub("\n", rest)
        address_run: list[str] = []
        last_kind = ""
        for line in rest.split("\n"):
            for raw in re.split(r"[,;!?。！？|~]+", line):
                tokens = [t for t in re.split(r"\s+", raw.strip()) if t]
                for token in tokens:
                    kind, value = self._classify(token, bool(names))
                    if kind == "name+address":
                        names.append(value[0])
                        address_run.append(value[1])
                        continue
                    if kind == "address":
                        if value:
                            address_run.append(value)
                        continue
                    if address_run and _is_address_tail(token):
                        address_run.append(token)
                        continue
                    if address_run:
                        addresses.append("".join(address_run))
                        address_run = []
                    if kind == "name" and value:
                        names.append(value)
                    elif kind == "note":
                        notes.append(value)
                    elif kind == "other" and last_kind == "note":
                        # Unclassified words right after a note continue it.
                        notes[-1] = f"{notes[-1]} {value}"
                        kind = "note"
                    last_kind = kind
            if address_run:
                addresses.append("".join(address_run))
                address_run = []

        if names:
            draft.name = names[0]
        if addresses:
            draft.address = (
                max(addresses, key=len) if len(addresses) > 1 else addresses[0]
            )
            if len(set(addresses)) > 1:
                draft.reasons.append(
                    f"{len(addresses)} address-like pieces; used the longest, "
                    "check the others"
                )
        if notes:
            draft.notes = "；".join(n.strip() for n in notes if n.strip()) or None

    def _classify(self, token: str, have_name: bool) -> tuple[str, Any]:
        """Classify an unlabelled token as name, address, note or chatter."""
        bare = token.strip("()（）[]【】\"'“”:：-")
        if not bare or _CHATTER.match(bare):
            return "chatter", ""
        destination = _DESTINATION.match(bare)
        if destination and _looks_like_address(bare[destination.end() :]):
            return "address", bare[destination.end() :]
        intro = re.match(r"^(我是|我叫|本人)\s*(.+)$", bare)
        if intro:
            return "name", intro.group(2)
        split = _split_name_address(bare)
        if split is not None:
            return "name+address", split
        if _looks_like_address(bare):
            return "address", bare
        if not have_name and _looks_like_name(bare):
            return "name", bare
        if _NOTE_HINTS.search(bare):
            return "note", bare
        if len(_CJK_CHARS.findall(bare)) >= 2:
            return "other", bare
        return "chatter", ""

    # -- completion --------------------------------------------------------------

    def _finish(self, draft: DraftOrder) -> None:
        for field_name in REQUIRED_FIELDS:
            value = getattr(draft, field_name)
            if not value:
                draft.missing.append(field_name)
        labels = {
            "name": "no recipient name found",
            "phone": "no valid mainland mobile number found",
            "address": "no delivery address found",
            "items": "no book title found",
        }
        draft.reasons = [labels[f] for f in draft.missing] + draft.reasons
        if draft.address:
            for prefix, city in _CITY_PREFIXES.items():
                if draft.address.lstrip().startswith(prefix):
                    draft.city_hint = city
                    break
        draft.status = "needs_review" if draft.reasons else "complete"


def _looks_like_address(token: str) -> bool:
    if len(token) < 4:
        return False
    if re.fullmatch(r"[\d\s#-]+", token):
        return False
    chinese = len(re.findall(r"[\u4e00-\u9fff]", token))
    if chinese == 0:
        return bool(
            re.search(r"\d", token)
            and re.search(r"road|street|rd\b|st\b|avenue|lu\b|jie\b", token, re.I)
        )
    return bool(_ADDRESS_STRONG.search(token)) and not _NOTE_HINTS.search(token)


def _starts_next_title(text: str, position: int) -> bool:
    """Return whether a quantity ending at ``position`` belongs to the next title.

    ``两本《活着》`` and ``两本活着`` put the count before the title; in
    ``《围城》两本《活着》3本`` the ``两本`` still belongs to 《围城》 because
    《活着》 has its own count.
    """
    following = text[position : position + 1]
    if following == "《":
        close = text.find("》", position)
        return close < 0 or not _QTY_AFTER.match(text[close + 1 : close + 13])
    return bool(following) and ("\u4e00" <= following <= "\u9fff")


def _split_quantity(part: str) -> tuple[str, int]:
    """Split ``活着 x2``, ``两本活着``, ``3 copies of X`` into title and count."""
    part = part.strip().strip("《》 ")
    after = re.search(
        rf"\s*(?:[x×*]\s*(?P<n1>\d{{1,3}})|(?P<n2>{_QTY_WORD})\s*"
        r"(?:本|册|套|份|copies|copy))\s*$",
        part,
        re.IGNORECASE,
    )
    if after:
        return part[: after.start()].strip(), _quantity(after) or 1
    before = re.match(
        rf"^(?:(?P<n1>{_QTY_WORD})\s*(?:本|册|套|份)|(?P<n2>\d{{1,3}})\s*"
        r"(?:copies of|copy of|x|×))\s*",
        part,
        re.IGNORECASE,
    )
    if before:
        return part[before.end() :].strip(), _quantity(before) or 1
    return part, 1


def _leading_piece(value: str) -> tuple[str, int]:
    """Return the text before the first comma-like separator, and its length."""
    piece = re.match(r"[^,;!?。！？\n]*", value)
    text = piece.group(0) if piece else ""
    return text.strip(), len(text)


def _leading_address(value: str) -> tuple[str, int]:
    """Return the address at the start of a labelled value, and its length.

    Pieces after a comma are kept while they still look like an address
    (``…12号, 3号楼2单元``) and dropped (left for other fields) once they do not.
    """
    kept: list[str] = []
    used = 0
    for match in re.finditer(r"[^\s,;!?。！？]+", value):
        piece = match.group(0)
        gap = value[used : match.start()]
        bare_number_after_comma = piece.isdigit() and bool(re.search(r"[,;]", gap))
        if kept and (
            "\n" in gap
            or "《" in piece
            or bare_number_after_comma
            or not (_looks_like_address(piece) or _is_address_tail(piece))
        ):
            break
        if not kept and "《" in piece:
            break
        kept.append(piece)
        used = match.end()
    return " ".join(kept), used


def _split_name_address(token: str) -> tuple[str, str] | None:
    """Split ``张三北京市朝阳区…`` written without a space into name and address."""
    for length in (3, 2):
        head, tail = token[:length], token[length:]
        if (
            len(tail) >= 5
            and _looks_like_name(head)
            and _ADDRESS_START.match(tail)
            and _looks_like_address(tail)
        ):
            return head, tail
    return None


def _is_address_tail(token: str) -> bool:
    """Return whether a token continues an address (``3号楼``, ``2单元501``, ``#5``)."""
    if not token:
        return False
    return bool(
        re.fullmatch(
            r"(?:[A-Za-z]?\d{1,5}[A-Za-z]?(?:号楼|号|栋|幢|座|单元|楼|层|室|户|门|弄|巷)?"
            r"|[A-Za-z]座|[一二三四五六七八九十]+(?:号楼|栋|单元|楼|层|座)|#\d+|-\d+)+",
            token,
        )
    )


def _looks_like_name(token: str) -> bool:
    if token in _NAME_STOPWORDS:
        return False
    if re.fullmatch(r"[A-Z][a-z]+(?: [A-Z][a-z]+)?", token):
        return False
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,6}", token):
        return False
    if token[-1] in "省市区县路街道巷弄号楼室村园苑城站":
        return False
    body = token
    for title in _NAME_TITLES:
        if body.endswith(title) and len(body) > len(title):
            body = body[: -len(title)]
            if body.startswith(_COMPOUND_SURNAMES):
                return len(body) <= 4
            return body[0] in _SURNAMES and len(body) <= 3
    if body.startswith(_COMPOUND_SURNAMES):
        return len(body) in (3, 4)
    return body[0] in _SURNAMES and len(body) <= 3


def _inside_address(text: str, start: int, end: int) -> bool:
    """Return whether a time-looking match is really a house number (``12号``)."""
    after = text[end : end + 1]
    return after in ("号", "栋", "楼", "室", "单", "层", "弄", "巷")


_DEFAULT_PARSER: MessageParser | None = None


def parse_message(message: str, catalogue: Catalogue | None = None) -> DraftOrder:
    """Parse a chat message into a draft order.

    Parameters
    ----------
    message
        The text as received (any length; longer than ``MAX_MESSAGE_CHARS`` is
        parsed on its head and flagged).
    catalogue
        Titles to match; the bundled sample when None.

    Returns
    -------
    DraftOrder
        ``status == "complete"`` only when name, phone, address and at least one
        item were found, every title matched the catalogue and nothing was
        ambiguous; otherwise ``needs_review`` with ``reasons``.
    """
    global _DEFAULT_PARSER
    if catalogue is not None:
        return MessageParser(catalogue).parse(message)
    if _DEFAULT_PARSER is None:
        _DEFAULT_PARSER = MessageParser()
    return _DEFAULT_PARSER.parse(message)
