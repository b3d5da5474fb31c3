"""Telegram's message formatting: strict HTML parsing, entity auto-detection, final text checks.

Offsets and lengths of entities are counted in UTF-16 code units, like the Bot API does;
offsets in error messages are byte offsets into the UTF-8 encoded source, like Telegram's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

PREFIX = "Bad Request: can't parse entities: "

TAG_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_url",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
ALLOWED_SCHEMES = frozenset({"http", "https", "tg", "mailto"})
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
TRIMMED = " \t\n\r\v\f"
# Entities inside which Telegram does not look for links, e-mail addresses and the like.
OPAQUE_TYPES = frozenset({"pre", "code", "text_url", "text_mention", "custom_emoji"})
ENTITY_TYPES = frozenset(
    {
        *TAG_TYPES.values(),
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "text_mention",
        "expandable_blockquote",
        "date_time",
    }
)

_PLAIN_RUN = re.compile(r"[^<>&]+")
_CHAR_REF = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([a-z]{2,4}));")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(?!\d)")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_TLDS = (
    "com|org|net|info|biz|edu|gov|int|eu|de|at|ch|li|lu|nl|be|fr|it|es|pt|pl|cz|sk|hu|ro|bg|gr|"
    "tr|ru|ua|by|kz|uk|ie|dk|se|no|fi|ee|lv|lt|io|me|app|dev|online|site|ir|af|iq|sy|ae|sa|eg|"
    "ma|us|ca|co"
)
_EMAIL = re.compile(
    r"(?<![\w.+\-@])[A-Za-z0-9._%+\-]+@(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,24}(?![\w\-@])"
)
_URL = re.compile(
    r"(?<![\w@/.\-])(?:https?://[^\s<>\"]+"
    rf"|(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{{0,61}}[A-Za-z0-9])?\.)+(?:{_TLDS})(?![\w\-])"
    r"(?::\d{1,5})?(?:/[^\s<>\"]*)?)",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<![\w+])\+\(?\d[\d \-()/]*\d(?![\d])")
_PHONE_SEPARATORS = re.compile(r"\D+")
_ALLOWED_SEPARATORS = frozenset({" ", "-", "/", "(", ")", " (", ") ", ")-", "-(", "/("})
_COMMAND = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?![\w@])")
_HASHTAG = re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")


class ParseError(ValueError):
    """Text Telegram would refuse; `description` is the Bot API's error description."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.description = PREFIX + detail


def utf16_len(text: str) -> int:
    """Length of `text` in UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def byte_offset(source: str, index: int) -> int:
    """Offset in bytes of `source[index]` in UTF-8."""
    return len(source[:index].encode("utf-8", "surrogatepass"))


@dataclass
class _OpenTag:
    name: str
    argument: str
    start: int  # in UTF-16 code units of the output
    source_index: int
    expandable: bool = False


@dataclass
class _HtmlParser:
    source: str
    pos: int = 0
    length16: int = 0
    out: list[str] = field(default_factory=list)
    stack: list[_OpenTag] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    def fail(self, message: str, index: int | None = None) -> ParseError:
        if index is None:
            return ParseError(message)
        return ParseError(f"{message} at byte offset {byte_offset(self.source, index)}")

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.length16 += utf16_len(text)

    def run(self) -> tuple[str, list[Entity]]:
        source = self.source
        while self.pos < len(source):
            char = source[self.pos]
            if char == "&":
                self.emit(self.char_ref(self.pos, in_attribute=False))
            elif char == ">":
                raise self.fail('Character ">" must be escaped as "&gt;"', self.pos)
            elif char == "<":
                if source.startswith("</", self.pos):
                    self.end_tag()
                else:
                    self.start_tag()
            else:
                match = _PLAIN_RUN.match(source, self.pos)
                assert match is not None
                self.emit(match.group())
                self.pos = match.end()
        if self.stack:
            raise self.fail(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        return "".join(self.out), self.entities

    def char_ref(self, index: int, *, in_attribute: bool) -> str:
        """Decodes the character reference at `index` and moves past it."""
        match = _CHAR_REF.match(self.source, index)
        decoded = _decode_char_ref(match) if match else None
        if decoded is None:
            if in_attribute:
                self.pos = index + 1
                return "&"
            raise self.fail('Character "&" must be escaped as "&amp;"', index)
        assert match is not None
        self.pos = match.end()
        return decoded

    def skip_spaces(self) -> None:
        source = self.source
        while self.pos < len(source) and source[self.pos].isspace():
            self.pos += 1

    def start_tag(self) -> None:
        source, begin = self.source, self.pos
        end = begin + 1
        while end < len(source) and not source[end].isspace() and source[end] != ">":
            end += 1
        if end >= len(source):
            raise self.fail("Unclosed start tag", begin)
        name = source[begin + 1 : end].lower()
        if name not in TAG_TYPES:
            raise self.fail(f'Unsupported start tag "{name}"', begin)
        self.pos = end
        tag = _OpenTag(name, "", self.length16, begin)
        attributes = self.attributes(tag)
        self.pos += 1
        tag.argument = self.tag_argument(tag, attributes)
        self.stack.append(tag)

    def attributes(self, tag: _OpenTag) -> dict[str, str]:
        """Reads attributes up to the closing `>` of a start tag."""
        source = self.source
        found: dict[str, str] = {}
        while True:
            self.skip_spaces()
            if self.pos >= len(source):
                raise self.fail(f'Unclosed start tag "{tag.name}"', tag.source_index)
            if source[self.pos] == ">":
                return found
            begin = self.pos
            while (
                self.pos < len(source)
                and source[self.pos] not in "=>"
                and not (source[self.pos].isspace())
            ):
                self.pos += 1
            name = source[begin : self.pos].lower()
            if not name:
                raise self.fail(f'Empty attribute name in the tag "{tag.name}"', tag.source_index)
            self.skip_spaces()
            if self.pos < len(source) and source[self.pos] != "=":
                if tag.name == "blockquote" and name == "expandable":
                    tag.expandable = True
                    continue
                raise self.fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag.name}"',
                    tag.source_index,
                )
            self.pos += 1
            self.skip_spaces()
            if self.pos >= len(source):
                raise self.fail(f'Unclosed start tag "{tag.name}"', tag.source_index)
            found[name] = self.attribute_value(tag)

    def attribute_value(self, tag: _OpenTag) -> str:
        source = self.source
        quote = source[self.pos]
        if quote not in "\"'":
            match = _NAME_TOKEN.match(source, self.pos)
            assert match is not None
            self.pos = match.end()
            if self.pos >= len(source) or not (
                source[self.pos].isspace() or source[self.pos] == ">"
            ):
                raise self.fail("Unexpected end of name token", match.start())
            return match.group().lower()
        self.pos += 1
        value: list[str] = []
        while self.pos < len(source) and source[self.pos] != quote:
            if source[self.pos] == "&":
                value.append(self.char_ref(self.pos, in_attribute=True))
            else:
                value.append(source[self.pos])
                self.pos += 1
        if self.pos >= len(source):
            raise self.fail("Unclosed start tag", tag.source_index)
        self.pos += 1
        return "".join(value)

    def tag_argument(self, tag: _OpenTag, attributes: dict[str, str]) -> str:
        if tag.name == "span" and attributes.get("class") != "tg-spoiler":
            raise self.fail('Tag "span" must have class "tg-spoiler"', tag.source_index)
        if tag.name == "a":
            href = attributes.get("href", "")
            return self.checked_url(href, tag.source_index) if href else ""
        if tag.name == "code":
            css = attributes.get("class", "")
            return css.removeprefix("language-") if css.startswith("language-") else ""
        if tag.name == "tg-emoji":
            emoji_id = attributes.get("emoji-id", "")
            if not emoji_id.isdigit():
                raise self.fail("Invalid custom emoji identifier specified")
            return emoji_id
        return ""

    def checked_url(self, url: str, index: int) -> str:
        url = url.strip()
        scheme = _SCHEME.match(url)
        if scheme is None or "." in scheme.group(1):
            return "http://" + url
        if scheme.group(1).lower() not in ALLOWED_SCHEMES:
            raise self.fail(f'Unsupported URL protocol "{scheme.group(1)}" in the tag "a"', index)
        return url

    def end_tag(self) -> None:
        source, begin = self.source, self.pos
        if not self.stack:
            raise self.fail("Unexpected end tag", begin)
        end = begin + 2
        while end < len(source) and not source[end].isspace() and source[end] != ">":
            end += 1
        name = source[begin + 2 : end].lower()
        self.pos = end
        self.skip_spaces()
        if self.pos >= len(source) or source[self.pos] != ">":
            raise self.fail("Unclosed end tag", begin)
        self.pos += 1
        tag = self.stack.pop()
        if name and name != tag.name:
            raise self.fail(
                f"Unmatched end tag at byte offset {byte_offset(source, begin)}, "
                f'expected "</{tag.name}>", found "</{name}>"'
            )
        self.close(tag)

    def close(self, tag: _OpenTag) -> None:
        length = self.length16 - tag.start
        if length <= 0:
            return
        entity: Entity = {"type": TAG_TYPES[tag.name], "offset": tag.start, "length": length}
        if tag.name == "a":
            url = tag.argument or _inner_url(self.out, length)
            if url is None:
                return
            entity["url"] = url
        elif tag.name == "code" and tag.argument:
            entity["language"] = tag.argument
        elif tag.name == "pre":
            entity = self.merged_pre(entity)
        elif tag.name == "blockquote" and tag.expandable:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.argument
        self.entities.append(entity)

    def merged_pre(self, entity: Entity) -> Entity:
        """`<pre><code class="language-x">` makes one `pre` entity with a language."""
        if self.entities:
            inner = self.entities[-1]
            same = (inner["offset"], inner["length"]) == (entity["offset"], entity["length"])
            if same and inner["type"] == "code":
                self.entities.pop()
                if "language" in inner:
                    entity["language"] = inner["language"]
        return entity


def _decode_char_ref(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return NAMED_ENTITIES.get(name)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _inner_url(out: list[str], length16: int) -> str | None:
    """For `<a>` without href Telegram links the text itself, if it is a URL."""
    text = "".join(out)
    inner = text[len(text) - _chars_for_utf16_suffix(text, length16) :]
    match = _URL.fullmatch(inner)
    if match is None:
        return None
    return inner if "://" in inner else "http://" + inner


def _chars_for_utf16_suffix(text: str, length16: int) -> int:
    count, units = 0, 0
    while units < length16:
        count += 1
        units += 2 if ord(text[-count]) > 0xFFFF else 1
    return count


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parses Telegram HTML into plain text and entities; raises ParseError like Telegram."""
    return _HtmlParser(source).run()


class _Utf16Index:
    """Maps string indices to UTF-16 offsets for one text."""

    def __init__(self, text: str) -> None:
        self.prefix: list[int] | None = None
        if any(ord(char) > 0xFFFF for char in text):
            self.prefix = [0]
            for char in text:
                self.prefix.append(self.prefix[-1] + (2 if ord(char) > 0xFFFF else 1))

    def __call__(self, index: int) -> int:
        return index if self.prefix is None else self.prefix[index]


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _trim_url(url: str) -> str:
    while url and url[-1] in ".,;:!?'\"]}":
        url = url[:-1]
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


def _phone_candidates(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _PHONE.finditer(text):
        number = match.group()
        digits = sum(char.isdigit() for char in number)
        separators = _PHONE_SEPARATORS.findall(number[1:])
        if 7 <= digits <= 15 and all(sep in _ALLOWED_SEPARATORS for sep in separators):
            spans.append((match.start(), match.end()))
    return spans


def _detected_spans(text: str) -> list[tuple[str, int, int]]:
    """Candidate auto-detected entities in priority order: (type, start, end) in str indices."""
    found: list[tuple[str, int, int]] = []
    found += [("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    for match in _URL.finditer(text):
        url = _trim_url(match.group())
        if url and not url.lower().endswith("://"):
            found.append(("url", match.start(), match.start() + len(url)))
    found += [("phone_number", start, end) for start, end in _phone_candidates(text)]
    found += [("bot_command", m.start(), m.end()) for m in _COMMAND.finditer(text)]
    found += [("mention", m.start(), m.end()) for m in _MENTION.finditer(text)]
    found += [("hashtag", m.start(), m.end()) for m in _HASHTAG.finditer(text)]
    return found


def detect_entities(text: str, existing: list[Entity] | None = None) -> list[Entity]:
    """Entities Telegram finds by itself (links, e-mail, phone numbers, commands, mentions)."""
    if not any(char in text for char in "@.:/+#"):
        return []
    to16 = _Utf16Index(text)
    blocked = [
        (entity["offset"], entity["offset"] + entity["length"])
        for entity in existing or []
        if entity["type"] in OPAQUE_TYPES or entity["type"] in {"url", "email"}
    ]
    taken: list[tuple[int, int]] = []
    detected: list[Entity] = []
    for kind, start, end in _detected_spans(text):
        start16, end16 = to16(start), to16(end)
        if _overlaps(start16, end16, blocked) or _overlaps(start16, end16, taken):
            continue
        taken.append((start16, end16))
        detected.append({"type": kind, "offset": start16, "length": end16 - start16})
    return detected


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strips leading and trailing whitespace like Telegram, moving and clipping entities."""
    stripped = text.strip(TRIMMED)
    if stripped == text:
        return text, entities
    lead = len(text) - len(text.lstrip(TRIMMED))
    size = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def sort_entities(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda entity: (entity["offset"], -entity["length"]))


def check_entities(text: str, entities: Any) -> list[Entity]:
    """Validates an explicit `entities` parameter."""
    if not isinstance(entities, list):
        raise ParseError('Field "entities" must be an Array')
    size = utf16_len(text)
    checked = []
    for entity in entities:
        if not isinstance(entity, dict) or entity.get("type") not in ENTITY_TYPES:
            raise ParseError("Unsupported entity type or malformed entity")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int) or offset < 0:
            raise ParseError("Entity offset and length must be non-negative integers")
        if length > 0 and offset + length <= size:
            checked.append(dict(entity))
    return checked


def format_text(
    text: str, parse_mode: str | None, entities: Any = None
) -> tuple[str, list[Entity]]:
    """Text and entities as Telegram stores them for a message (raises ParseError)."""
    if entities is not None:
        plain, found = text, check_entities(text, entities)
    elif parse_mode == "html":
        plain, found = parse_html(text)
    else:
        plain, found = text, []
    plain, found = trim(plain, found)
    return plain, sort_entities(found + detect_entities(plain, found))
