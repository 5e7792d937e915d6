"""Lines of a delivered file that may hold a resident-ID number, found in its bytes while they stream to COPY.

The vault then judges only those rows instead of matching a pattern against every row of the batch in
PostgreSQL (the loader's costliest step after COPY itself). The test is a superset of every way the vault
recognises a number: a number is 18 significant characters (digits, X) written with spaces, hyphens or
other whitespace between them, half- or full-width, so each byte of it encodes one of those characters.
A line holding a number therefore holds a run of at least 18 such bytes; a line without one cannot hold a
number. Lines are only a proxy for rows when no value spans lines: the caller checks that first.
"""

from __future__ import annotations

from functools import cache

RUN = 18  # characters of a resident-ID number; each is at least one byte

# what normalize_code and resident_ids_in read as part of a number: digits, X, hyphens, and all whitespace
# (normalize_code drops \s) except line ends, which end the line instead
_NUMBER_CHARACTERS = "0123456789Xx０１２３４５６７８９Ｘｘ-－"


@cache
def _marks(encoding: str) -> bytes:
    """A translate table sending each byte that may be part of a number to 1, every other byte to 0."""
    spaces = (chr(code) for code in range(0x3001) if chr(code).isspace() and chr(code) not in "\r\n")
    marked = set()
    for character in (*_NUMBER_CHARACTERS, *spaces):
        try:
            marked.update(character.encode(encoding))
        except UnicodeEncodeError:
            continue  # a character the file's encoding cannot hold cannot be in the file
    return bytes(1 if byte in marked else 0 for byte in range(256))


class IdLines:
    """Fed a file's bytes chunk by chunk; ``lines`` are the 1-based numbers of the lines that may hold a number,
    ``newlines`` the LF characters seen (equal to the file's line ends when it has no bare CR)."""

    def __init__(self, encoding: str) -> None:
        self._marks = _marks(encoding)
        self._needle = b"\x01" * RUN
        self._carry = b""
        self.newlines = 0
        self.lines: list[int] = []

    def feed(self, chunk: bytes) -> None:
        data = self._carry + chunk
        cut = data.rfind(b"\n") + 1
        self._carry = data[cut:]
        self._scan(data[:cut])

    def finish(self) -> list[int]:
        """The last line, when it has no line end; returns ``lines``."""
        if self._carry:
            self._scan(self._carry)
            self._carry = b""
        return self.lines

    def _scan(self, data: bytes) -> None:
        """Whole lines: each run of marked bytes names its line once, then the search moves to the next line."""
        flags = data.translate(self._marks)
        line, counted = self.newlines + 1, 0
        found = flags.find(self._needle)
        while found != -1:
            line += data.count(b"\n", counted, found)
            self.lines.append(line)
            end = data.find(b"\n", found)
            if end == -1:
                break
            counted = end
            found = flags.find(self._needle, end + 1)
        self.newlines += data.count(b"\n")
