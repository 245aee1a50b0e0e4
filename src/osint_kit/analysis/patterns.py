"""The named search patterns (phone numbers, e-mail addresses, URLs, vehicle plates,
coordinates): each a regex that finds candidates and a check that keeps the real ones.

Real texts are hostile to patterns: a plate pattern meets ``4GB``, ``22.04 LTS`` and
``E0001``; a phone pattern meets dates, times, versions and order numbers. So a
regex here only finds the *shape* (groups of digits, groups of capitals) and the
check judges the whole candidate. A candidate the check turns down may still hold
the real thing (``VAN AB 123 CD``, ``08.30 020 555 0123``): ``find`` then tries it
shorter, group by group, and from the next place a match can start.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

#: A check: given a candidate match, is it really one?
Check = Callable[[re.Match[str]], bool]

# -- phone numbers ------------------------------------------------------------

_PHONE = re.compile(
    r"""
    (?<![\w+#@&=])(?<!\d[.,/-])      # not inside a word, a number, an id or a URL's query
    (?:
        (?P<intl>(?:\+|00)[1-9]\d{0,14})            # +44 …, 0044 …
      | (?P<trunk>\(0\d{1,5}\)[ .-]?\d{1,12}|0[1-9]\d{0,11})  # national: 020 …, (030) …
      | (?P<nanp>(?:1[ .-]?)?\([2-9]\d\d\)[ .-]?\d{3}|(?:1[ .-])?[2-9]\d\d)  # (555) 123…
    )
    (?:[ .\-/]?\(\d{1,5}\)[ .\-]?\d{1,12}|[ .\-/]\d{1,12}){0,7}   # the other groups
    (?<=\d\d)                        # ends on a group of two digits or more
    (?![\w]|[.,/-]\d)                # and the number goes no further
    """,
    re.VERBOSE,
)

#: A date with a four-digit year (01.11.2026, 2026-11-01, 11/01/2026) inside a candidate.
_DATE = re.compile(
    r"(?<!\d)(?:\d{1,2}([./-])\d{1,2}\1(?:19|20)\d\d|(?:19|20)\d\d([./-])\d{1,2}\2\d{1,2})(?!\d)"
)


def _phone(m: re.Match[str]) -> bool:
    """International (``+``/``00``, 8 to 15 digits), national with a trunk ``0`` (9 to 12
    digits), or North American 3-3-4 (``(555) 123-4567``); never one holding a date."""
    text = m.group(0)
    if _DATE.search(text):
        return False
    groups = re.findall(r"\d+", text)
    digits = sum(len(g) for g in groups)
    if m.group("intl"):
        digits -= 2 if text.startswith("00") else 0
        digits -= 1 if "(0)" in text else 0  # +44 (0)20 …: the trunk 0 is not dialled
        return 8 <= digits <= 15
    if m.group("trunk"):  # dots and spaces in one number: 08.30 020 555 0123 is two things
        mixed = "." in text and bool(re.search(r"[ /-]", text))
        return 9 <= digits <= 12 and not mixed
    shape = [len(g) for g in groups]
    if shape[:1] == [1]:  # 1-555-123-4567
        shape = shape[1:]
    return shape == [3, 3, 4] and "/" not in text


# -- vehicle plates -----------------------------------------------------------

_PLATE = re.compile(r"(?<![\w.\-/])[A-Z0-9]{1,8}(?:[ -][A-Z0-9]{1,6}){0,3}(?![\w]|[.\-/:][A-Z0-9])")

#: Letters that, right after a number, make it a quantity, not a plate (4GB, 16 MP,
#: 1080P, 04 LTS, 24 HRS).
UNITS = frozenset(
    "B KB MB GB TB PB BIT BPS KBPS MBPS GBPS HZ KHZ MHZ GHZ MP PX DPI PPI FPS P I K X "
    "M KM CM MM NM MI FT IN YD KG G MG LB LBS OZ T L ML CL V KV MV W KW KWH MW MAH AH "
    "A HP PS RPM BPM MPH KMH KPH KN C F S MS H HR HRS MIN MINS SEC SECS D Y YR YRS "
    "LTS ST ND RD TH AM PM".split()
)
#: Capital groups that are words, times, months, currencies or labels, not plate parts.
WORDS = frozenset(
    "AM PM UTC GMT CET CEST EET BST EST EDT CST CDT MST MDT PST PDT IST JST AEST "
    "JAN FEB MAR APR MAY JUN JUL AUG SEP SEPT OCT NOV DEC MON TUE WED THU FRI SAT SUN "
    "USD EUR GBP JPY CHF CAD AUD CNY RUB BTC ETH "
    "THE AND FOR ARE BUT NOT YOU ALL ANY CAN HAD HER WAS ONE OUR OUT DAY GET HAS HIM "
    "HIS HOW NEW NOW OLD SEE TWO WAY WHO DID ITS LET PUT SAY SHE TOO USE TOP OFF "
    "AT ON IN TO BY OF OR IS IT UP MY ME WE US SO DO GO IF AN AS BE HE NO OK "
    "VAN CAR BUS CAB SUV RED "
    "UK EU UN USA TV PC ID NR NUM REF PIN TEL FAX ZIP VER REV VS APT NO FL LVL "
    "RTX GTX CPU GPU RAM SSD HDD USB HDMI IOS OS".split()
)
#: osint-kit's own labels: exhibits (E0001), captures (C0001), holds (H001).
#: A number and its unit: joined (4GB, 1080P, 4K60FPS) or, for units of two letters or
#: more, after a space (16 GB, 04 LTS); a dash joins plate groups (AB-123-C), not units.
_QUANTITY = re.compile(r"\d(?:(?P<unit>[A-Z]+)|[ ](?P<spaced>[A-Z]{2,}))(?![A-Z])")
_LABEL = re.compile(r"[ECH]\d{3,}")
_YEAR = re.compile(r"(?:19|20)\d\d")
#: Plate layouts as their groups' kinds: L letters, D digits, M both (AB12 CDE).
_SHAPES = frozenset(
    {"LD", "DL", "LDL", "DLD", "LLD", "LDD", "ML", "LDLD"}  # ABC 1234, 1234 ABC, AB-123-C,
)  # 12-ABC-3, B MW 1234, KA 12 345, AB12 CDE, KA 01 AB 1234


def _kind(group: str) -> str:
    if group.isdigit():
        return "D"
    return "L" if group.isalpha() else "M"


def _plate(m: re.Match[str]) -> bool:
    """A plate's layout, 5 to 10 letters and digits with some of each; never a quantity
    (4GB), a version (04 LTS), a word, a month or osint-kit's own label (E0001)."""
    text = m.group(0)
    groups = re.split(r"[ -]", text)
    chars = "".join(groups)
    letters = sum(c.isalpha() for c in chars)
    if not (5 <= len(chars) <= 10 and letters and letters < len(chars)):
        return False
    if any(g in WORDS or _LABEL.fullmatch(g) for g in groups):
        return False
    if any((q.group("unit") or q.group("spaced")) in UNITS for q in _QUANTITY.finditer(text)):
        return False  # a number and its unit
    runs = re.findall(r"[A-Z]+|\d+", text)
    shape = "".join(_kind(g) for g in groups)
    if len(groups) == 1:  # unbroken: AB12CDE, 7ABC123; not COVID19, SHA256, E0001
        return len(runs) >= 3 and letters >= 2 and len(chars) - letters >= 2
    if shape not in _SHAPES or (letters < 2 and len(groups) < 3):
        return False  # B-1234 is an examiner's id as often as a plate
    sizes = {"L": 3, "D": 6, "M": 4}
    if any(len(g) > sizes[k] for g, k in zip(groups, shape, strict=True)):
        return False
    if shape == "LD" and _YEAR.fullmatch(groups[1]):
        return False  # UK 2026, COP 2030
    return not (shape == "LDD" and max(len(g) for g in groups[1:]) > 3)  # OC-2026-014


# -- the table ------------------------------------------------------------------

#: name -> (regex, a check on each match or None, what it matches).
PATTERNS: dict[str, tuple[re.Pattern[str], Check | None, str]] = {
    "phone": (
        _PHONE,
        _phone,
        "phone numbers: international (+ or 00 and the country code, 8 to 15 digits: "
        "+44 20 7946 0958, +44 (0)20 7946 0958, 0031 6 12345678), national with a trunk 0 "
        "(9 to 12 digits: 020 555 0123, (030) 1234567, 06-12345678, 030/1234567) and North "
        "American ((555) 123-4567, 555.123.4567, 1-555-123-4567), grouped by spaces, dots, "
        "dashes, slashes or brackets; dates, times, versions, ids and bare digit runs that "
        "start with neither + nor 0 are left out",
    ),
    "email": (
        re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
        None,
        "name@domain.tld",
    ),
    "url": (
        re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}]"),
        None,
        "http://, https:// and www. addresses, trailing punctuation left out",
    ),
    "plate": (
        _PLATE,
        _plate,
        "vehicle registration plates in capitals, in the layouts countries use: letters "
        "and digits in groups joined by a space or dash (AB-123-C, 12-ABC-3, AB 123 CD, "
        "B MW 1234, KA 12 345, AB12 CDE, ABC 1234, 1234 ABC, KA 01 AB 1234) or unbroken "
        "with letters and digits alternating (AB12CDE, 7ABC123), 5 to 10 letters and "
        "digits in all; quantities (4GB, 16 MP, 1080P), versions (22.04 LTS), words, "
        "months, currencies and osint-kit's own labels (E0001, C0001) are left out",
    ),
    "coordinates": (
        re.compile(
            r"(?<![\d.])[-+]?(?:90(?:\.0+)?|[1-8]?\d\.\d{2,})\s*,\s*"
            r"[-+]?(?:180(?:\.0+)?|(?:1[0-7]\d|\d{1,2})\.\d{2,})(?![\d.])"
        ),
        None,
        "decimal latitude, longitude pairs with at least two decimals each "
        "(52.3731, 4.8922 or -33.86,151.21)",
    ),
}


def find(compiled: re.Pattern[str], check: Check | None, text: str) -> Iterator[re.Match[str]]:
    """Every match of ``compiled`` in ``text`` that ``check`` keeps, left to right.

    A candidate turned down is tried shorter (cut at each space inside it, longest
    first), then from the next character on, so a real match beside a false one is
    still found.
    """
    if check is None:
        yield from compiled.finditer(text)
        return
    pos = 0
    while pos <= len(text):
        m = compiled.search(text, pos)
        if m is None:
            return
        found = m if m.group(0) and check(m) else _shorter(compiled, check, text, m)
        if found is not None:
            yield found
            pos = max(found.end(), found.start() + 1)
        else:
            pos = m.start() + 1


def _shorter(
    compiled: re.Pattern[str], check: Check, text: str, m: re.Match[str]
) -> re.Match[str] | None:
    cuts = [i for i in range(m.end() - 1, m.start(), -1) if text[i].isspace()]
    for cut in cuts:
        part = compiled.match(text, m.start(), cut)
        if part is not None and part.end() == cut and check(part):
            return part
    return None


def matches(name: str, text: str) -> list[str]:
    """What the named pattern finds in ``text`` (for trying a pattern out)."""
    compiled, check, _ = PATTERNS[name]
    return [m.group(0) for m in find(compiled, check, text)]
