"""Chinese subject identifiers: check characters, validation, masking and keyed hashing.

The warehouse validates with the PostgreSQL twins in warehouse/sql/040_util_functions.sql; these
Python versions generate codes (synthetic feeds), mask values before they reach a log or an alert,
and key natural persons by an HMAC of the ID number instead of the number itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

# GB 32100-2015: the code alphabet leaves out I, O, Z, S and V
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK = "10X98765432"

_HALF_WIDTH = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-*"  # * of a masked ID
# full-width forms sit 0xFEE0 above ASCII; the ideographic space is U+3000
_FULL_WIDTH = str.maketrans({**{chr(ord(c) + 0xFEE0): c for c in _HALF_WIDTH}, "\u3000": " "})
# GB 32100 registration authority -> the organisation types it registers (as util.uscc_is_valid)
USCC_TYPES = {"1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129", "7": "129", "8": "19",
              "9": "123", "A": "19", "N": "1239", "Y": "1"}
# A resident-ID number as people write it in free text: full-width digits (folded first, one character for
# one, so positions hold), one space or hyphen allowed between any two characters, letters glued on either
# side (ID370802...); not inside a longer run of digits. The SQL twin is util.resident_ids_in; both are
# tested on the same vectors (tests/unit/identifiers/test_resident_ids_in_text.py).
_FOLD = str.maketrans("０１２３４５６７８９Ｘｘ－\u3000", "0123456789Xx- ")
_ID_IN_TEXT = re.compile(r"(?<![0-9])[1-9](?:[ -]?[0-9]){16}[ -]?[0-9Xx](?![0-9])")
# The same run as PostgreSQL should look for it, full-width forms in the classes (no folding pass over the
# text): it narrows the rows a scan reads, and resident_ids_in judges each candidate.
RESIDENT_ID_SHAPED_SQL = "[1-9１-９]([ 　－-]?[0-9０-９]){16}[ 　－-]?[0-9０-９XxＸｘ]"
# provinces (GB/T 2260) and the residence permits of Hong Kong, Macao and Taiwan residents (81, 82, 83)
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)


def normalize_code(value: str | None) -> str | None:
    """Full-width to half-width, upper case, no spaces or hyphens (as util.normalize_code)."""
    if value is None:
        return None
    cleaned = re.sub(r"[\s\-]", "", value.translate(_FULL_WIDTH)).upper()
    return cleaned or None


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character for the first 8 characters of an organisation code."""
    total = sum(w * int(c, 36) for w, c in zip(_ORG_WEIGHTS, first8, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def is_valid_org_code(code: str | None) -> bool:
    if not code or not re.fullmatch(r"[0-9A-Z]{8}[0-9X]", code):
        return False
    return org_code_check_char(code[:8]) == code[8]


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character for the first 17 characters of a USCC."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(authority: str, org_type: str, division_code: str, org_code_first8: str) -> str:
    """A valid USCC from its parts; the embedded organisation code gets its own check character."""
    org_code = org_code_first8 + org_code_check_char(org_code_first8)
    first17 = f"{authority}{org_type}{division_code}{org_code}"
    return first17 + uscc_check_char(first17)


def is_valid_uscc(code: str | None) -> bool:
    if not code or not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", code):
        return False
    if code[1] not in USCC_TYPES.get(code[0], ""):
        return False
    return uscc_check_char(code[:17]) == code[17] and is_valid_org_code(code[8:17])


def resident_id_check_char(first17: str) -> str:
    total = sum(w * int(c) for w, c in zip(_RESIDENT_WEIGHTS, first17, strict=True))
    return _RESIDENT_CHECK[total % 11]


def make_resident_id(division_code: str, birth_date: date, sequence: int) -> str:
    first17 = f"{division_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def is_valid_resident_id(id_no: str | None, as_of: date | None = None) -> bool:
    """Check digit and a real birth date, from 1900 and, with ``as_of``, not after it."""
    if not id_no or not re.fullmatch(r"[1-9]\d{16}[0-9X]", id_no):
        return False
    try:
        born = date(int(id_no[6:10]), int(id_no[10:12]), int(id_no[12:14]))
    except ValueError:
        return False
    if as_of is not None and born > as_of:
        return False
    return born.year >= 1900 and resident_id_check_char(id_no[:17]) == id_no[17]


def mask_resident_id(id_no: str | None) -> str | None:
    """First 6 and last 4 characters, the rest '*' (as util.mask_resident_id)."""
    if id_no is None:
        return None
    if len(id_no) <= 10:
        return "*" * len(id_no)
    return id_no[:6] + "*" * (len(id_no) - 10) + id_no[-4:]


def resident_ids_in(text: str) -> list[tuple[int, int, str]]:
    """Every resident-ID number written in the text: (start, end, the number as 18 characters, upper-cased).

    A candidate counts when it passes the check character and the birth-date test, its holder is born by
    today and its first two digits are a province: an all-digit code that merely passes the checksum is
    left alone.
    """
    found = []
    today = date.today().strftime("%Y%m%d")
    for match in _ID_IN_TEXT.finditer(text.translate(_FOLD)):
        number = match.group(0).replace(" ", "").replace("-", "").upper()
        if is_valid_resident_id(number) and number[:2] in PROVINCES and number[6:14] <= today:
            found.append((match.start(), match.end(), number))
    return found


def mask_personal_data(text: str) -> str:
    """Masks every resident-ID number written inside free text (log lines, alert bodies, error texts)."""
    for start, end, number in reversed(resident_ids_in(text)):
        text = text[:start] + mask_resident_id(number) + text[end:]
    return text


def subject_hash(id_no: str, key: bytes) -> str:
    """Keyed hash (HMAC-SHA256) that links a natural person's records without the ID number itself."""
    return hmac.new(key, normalize_code(id_no).encode(), hashlib.sha256).hexdigest()
