"""Reading and writing CSV files the way schools really produce them, for every domain.

Decoding (UTF-8 with or without BOM, UTF-16 with or without BOM, else Windows-1252 as Dutch
Excel saves; a file mixing encodings is refused, never read as mojibake), the dialect (``,``
``;`` or tab, decided from the header line), records with the line each starts on, and the
formula-injection escape an export adds and an import removes again. What the columns mean
belongs to each domain (the roster's: ``teameval.roster.csv.parsing``).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from teameval.errors import InvalidInput, PayloadTooLarge

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

# A cell starting with one of these is a formula to a spreadsheet (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The exporter prefixes "'" to any value matching this (one or more "'" may precede the
# trigger), the importer removes exactly one "'" from cells matching the ``+`` version: a
# bijection, so a class name that really is "-3A" or "'=x" round-trips exactly.
_NEEDS_ESCAPE = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


class UnusableFile(InvalidInput):
    """The file as a whole cannot be imported (encoding, limits, header); no row was processed."""

    slug = "unusable-import-file"
    title = "The import file cannot be used"


class FileTooLarge(PayloadTooLarge):
    slug = "import-file-too-large"
    title = "The import file is too large"


def too_large(max_bytes: int) -> FileTooLarge:
    """The one refusal of an oversized file: the parser's, and the upload's from its headers."""
    return FileTooLarge(
        f"The file is larger than the limit of {max_bytes:,} bytes "
        "(TEAMEVAL_IMPORT_MAX_BYTES). Split it into smaller files.",
        errors=[{"field": "file", "message": "over the size limit"}],
        limit_bytes=max_bytes,
    )


def unusable(message: str, *, line: int | None = None, **extensions: Any) -> UnusableFile:
    """The whole file refused; ``line`` (also in ``errors``) when one line is the reason."""
    error: dict[str, Any] = {"field": "file", "message": message}
    if line is not None:
        error["line"] = line
        extensions["line"] = line
    return UnusableFile(message, errors=[error], **extensions)


def neutralise(value: str) -> str:
    """Make a cell safe to open in a spreadsheet (OWASP CSV injection), reversibly."""
    return "'" + value if _NEEDS_ESCAPE.match(value) else value


def unneutralise(cell: str) -> str:
    return cell[1:] if _ESCAPED.match(cell) else cell


# A well-formed UTF-8 sequence of two to four bytes. Real Windows-1252 text almost never
# contains one (it would be "Ã©"-style mojibake already), so finding one in a file that is not
# valid UTF-8 means the file mixes encodings, and decoding it either way would corrupt names.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_UTF16_SAMPLE = 4096


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was in; never a guess that corrupts text.

    UTF-8 (BOM or not) when the whole file is UTF-8; UTF-16 with a BOM, or without one when NUL
    bytes alternate (a BOM-less UTF-16 export of a Latin-script roster); else Windows-1252, as
    Excel's "CSV (separated)" on Dutch Windows writes. A file that is partly UTF-8 and partly
    something else, or has bytes Windows-1252 does not define, is refused naming the line.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[len(codecs.BOM_UTF8) :], "utf-8", "UTF-8 with BOM")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", "UTF-16")
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        return _decode(data, utf16, f"UTF-16 {utf16[-2:].upper()} without BOM")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as error:
        if _UTF8_MULTIBYTE.search(data):
            line = _line_of_byte(data, error.start, "utf-8")
            raise unusable(
                f"The file mixes encodings: line {line} is not UTF-8 but other lines are "
                "(probably text pasted from a Windows-1252 file). Nothing was imported. Save "
                "the whole file as CSV UTF-8 and try again.",
                line=line,
            ) from error
    # Not UTF-8: Windows-1252 is what Excel writes for "CSV (separated)" on Dutch Windows.
    return _decode(data, "cp1252", "Windows-1252")


def _bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when at least half the odd (even) bytes of the start of the
    file are NUL and almost none of the others: how ASCII-heavy UTF-16 looks and 8-bit text
    never does (a stray NUL in one cell is a row error, not a reason to read UTF-16)."""
    sample = data[:_UTF16_SAMPLE]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even_nul = sample[0::2].count(0) / pairs
    odd_nul = sample[1::2].count(0) / pairs
    if odd_nul >= 0.5 and even_nul <= 0.05:
        return "utf-16-le"
    if even_nul >= 0.5 and odd_nul <= 0.05:
        return "utf-16-be"
    return None


def _line_of_byte(data: bytes, offset: int, codec: str) -> int:
    """The 1-based line holding byte ``offset``; everything before it decodes in ``codec``."""
    return data[:offset].decode(codec, errors="replace").count("\n") + 1


def _decode(data: bytes, codec: str, label: str) -> tuple[str, str]:
    try:
        return data.decode(codec), label
    except UnicodeDecodeError as error:
        line = _line_of_byte(data, error.start, codec)
        byte = data[error.start]
        raise unusable(
            f"The file is not readable text (tried {label}): line {line} has byte 0x{byte:02X}, "
            f"which {label} does not allow. Save it as CSV UTF-8 and try again.",
            line=line,
        ) from error


def _first_line(text: str) -> str:
    """The header line: up to the first line break outside quotes."""
    quoted = False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            return text[:index]
    return text


def _count_outside_quotes(line: str, char: str) -> int:
    return sum(part.count(char) for part in line.split('"')[::2])


def detect_delimiter(text: str) -> str:
    """The delimiter the header line uses most; the sniffer only breaks a tie."""
    header = _first_line(text)
    counts = {d: _count_outside_quotes(header, d) for d in DELIMITERS}
    best = max(counts.values())
    if best == 0:
        return ","  # one column: any delimiter reads it the same
    tied = [d for d in DELIMITERS if counts[d] == best]
    if len(tied) == 1:
        return tied[0]
    try:
        sniffed = csv.Sniffer().sniff(text[:8192], delimiters="".join(tied)).delimiter
    except csv.Error:
        return tied[0]
    return sniffed if sniffed in tied else tied[0]


def records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    previous_end = 0
    for cells in reader:
        yield previous_end + 1, cells
        previous_end = reader.line_num


def write_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """UTF-8 with BOM (so Excel shows accents), CRLF, quoted where needed, formulas neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[neutralise(cell) for cell in row] for row in rows])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
