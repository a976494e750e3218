"""Code sections of charge texts (DOJ spec §4.8) and the possible-other-charge flag (rules §3.4).

A charge text such as ``664-11357(C) HS-POSSESS MARIJUANA`` is parsed from its start with the
grammar of DOJ §4.8::

    section     := [code ws] prefix* item (joiner item)*
    item        := statute [ws? code]
    prefix      := attempt | conspiracy          (a prefix counts only when a statute follows it)
    statute     := number [suffix] [subsections]
    joiner      := ws? ("/" | "+" | "&" | "-") ws?   (only when a digit follows)

Parsing stops at the first character that does not fit; the rest is the description.

Choices where the spec is silent (a careful prosecutor's reading):

1. A number is a *maximal* run of at most 6 digits: ``1234567`` is no statute at all, so a
   7-digit typo never passes for a shorter statute (anchoring, §4.8).
2. ``664`` glued to 4-5 digits (``66411357(A)``) is an attempt also at the end of the text.
3. A glued suffix is 1-2 letters (and an optional digit) that are not followed by another letter
   and are not code letters (``11359HS`` is 11359 in HS; ``11357POSSESS`` has no suffix).
4. Code letters are matched on the longest run of letters, ``&``, ``.`` and single spaces that,
   with spaces and dots removed, is an accepted form followed by a non-letter or the end.
5. The canonical form writes prefixes as ``664/`` and ``182…/``, statutes joined by ``/`` and a
   statute's code after it when the next statute's code differs or it is the last one.
"""

from __future__ import annotations

import re
from typing import Final

from eligibility.model import CodeSection, Statute

PROP64_SECTIONS: Final[frozenset[str]] = frozenset({"11357", "11358", "11359", "11360"})

#: Accepted forms of code letters (after removing spaces and dots) → canonical code (§4.8 table).
CODE_FORMS: Final[dict[str, str]] = {
    "HS": "HS",
    "H&S": "HS",
    "HSC": "HS",
    "PC": "PC",
    "PEN": "PC",
    "VC": "VC",
    "VEH": "VC",
    "BP": "BP",
    "B&P": "BP",
    "BPC": "BP",
    "WI": "WI",
    "W&I": "WI",
    "WIC": "WI",
    "MV": "MV",
    "M&V": "MV",
    "MVC": "MV",
    "GC": "GC",
    "GOV": "GC",
    **{c: c for c in ("CC", "EC", "FA", "FG", "HN", "IC", "LC", "PR", "RT", "UI")},
}

SEE_COMMENT: Final[str] = "SEE COMMENT FOR CHARGE"

_WS_RUN = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Upper-case, collapse whitespace runs to one space, trim (DOJ §4.1)."""
    return _WS_RUN.sub(" ", text).strip().upper()


def section_source(offense_descr: str, comment_text: str) -> tuple[str, str]:
    """(normalised text, column) to parse: OFFENSE_DESCR unless blank or SEE COMMENT (§4.8)."""
    offense = normalise(offense_descr)
    if offense and offense != SEE_COMMENT:
        return offense, "OFFENSE_DESCR"
    return normalise(comment_text), "COMMENT_TEXT"


def _is_letter(ch: str) -> bool:
    return "A" <= ch <= "Z"


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _digit_run(s: str, i: int) -> int:
    """End index of the run of ASCII digits starting at i."""
    n = len(s)
    while i < n and _is_digit(s[i]):
        i += 1
    return i


def _skip_ws(s: str, i: int) -> int:
    return i + 1 if i < len(s) and s[i] == " " else i


def _match_code(s: str, i: int) -> tuple[str, int] | None:
    """Code letters at i: (canonical code, end index) of the longest accepted form, else None."""
    n = len(s)
    if i >= n or not _is_letter(s[i]):
        return None
    compact = ""
    best: tuple[str, int] | None = None
    j = i
    while j < n and (_is_letter(s[j]) or s[j] in "&. "):
        ch = s[j]
        if ch == " " and (j + 1 >= n or s[j + 1] == " "):
            break
        if ch not in ". ":
            compact += ch
            if len(compact) > 3:
                break
        j += 1
        if ch != " " and compact in CODE_FORMS and (j >= n or not _is_letter(s[j])):
            best = (CODE_FORMS[compact], j)
    return best


def _subsections(s: str, i: int) -> tuple[list[str], int]:
    """Parenthesised groups `(ws? "(" ws? alnum{1,4} ws? ")")+` at i, stored without spaces."""
    groups: list[str] = []
    n = len(s)
    while True:
        j = _skip_ws(s, i)
        if j >= n or s[j] != "(":
            return groups, i
        j = _skip_ws(s, j + 1)
        k = j
        while k < n and (_is_letter(s[k]) or _is_digit(s[k])):
            k += 1
        if not 1 <= k - j <= 4:
            return groups, i
        content = s[j:k]
        k = _skip_ws(s, k)
        if k >= n or s[k] != ")":
            return groups, i
        groups.append(f"({content})")
        i = k + 1


def _number(s: str, i: int) -> tuple[str, int] | None:
    """`digit{1,6} ["." digit{1,3}]`, the digit run being maximal."""
    end = _digit_run(s, i)
    if not 1 <= end - i <= 6:
        return None
    number = s[i:end]
    if end + 1 < len(s) and s[end] == "." and _is_digit(s[end + 1]):
        dec_end = _digit_run(s, end + 1)
        if dec_end - end - 1 <= 3:
            number = s[i:dec_end]
            end = dec_end
    return number, end


def _statute(s: str, i: int) -> tuple[str, str, list[str], int] | None:
    """(number, suffix, subsections, end) of a statute at i."""
    parsed = _number(s, i)
    if parsed is None:
        return None
    number, j = parsed
    suffix = ""
    n = len(s)
    if j < n and _is_letter(s[j]) and _match_code(s, j) is None:
        k = j
        while k < n and k - j < 2 and _is_letter(s[k]):
            k += 1
        if k >= n or not _is_letter(s[k]):
            if k < n and _is_digit(s[k]) and (k + 1 >= n or not _is_digit(s[k + 1])):
                k += 1
            suffix = s[j:k]
            j = k
    subs, j = _subsections(s, j)
    return number, suffix, subs, j


def _attempt(s: str, i: int) -> int | None:
    """End of an attempt prefix (`664…`) at i, else None."""
    if not s.startswith("664", i):
        return None
    n = len(s)
    j = i + 3
    k = _skip_ws(s, j)
    if k < n and s[k] in "/-":
        return _skip_ws(s, k + 1)
    if j < n and s[j] in ". " and _digit_run(s, j + 1) - (j + 1) >= 4:
        return j + 1
    run = _digit_run(s, j) - j
    if 4 <= run <= 5:
        return j
    return None


def _conspiracy(s: str, i: int) -> tuple[str, int] | None:
    """(text such as '182(A)(1)', end) of a conspiracy prefix at i, else None."""
    if not s.startswith("182", i) or _digit_run(s, i) != i + 3:
        return None
    subs, j = _subsections(s, i + 3)
    k = _skip_ws(s, j)
    if s.startswith("PC", k) and (k + 2 >= len(s) or not _is_letter(s[k + 2])):
        j = k + 2
    k = _skip_ws(s, j)
    if k < len(s) and s[k] in "/-":
        return "182" + "".join(subs), _skip_ws(s, k + 1)
    return None


def _starts_statute(s: str, i: int) -> bool:
    return _statute(s, i) is not None


def parse_code_section(text: str, *, source_column: str = "OFFENSE_DESCR") -> CodeSection | None:
    """Parse a charge text (DOJ §4.8); None when no statute stands at its start."""
    s = normalise(text)
    n = len(s)
    i = 0
    leading_code = ""
    code = _match_code(s, 0)
    if code is not None and code[1] < n and s[code[1]] == " ":
        leading_code, i = code[0], code[1] + 1

    attempt = conspiracy = False
    prefixes: list[str] = []
    while True:
        end = _attempt(s, i)
        if end is not None and _starts_statute(s, end):
            attempt = True
            prefixes.append("664/")
            i = end
            continue
        consp = _conspiracy(s, i)
        if consp is not None and (
            _starts_statute(s, consp[1])
            or _attempt(s, consp[1]) is not None
            or _conspiracy(s, consp[1]) is not None
        ):
            conspiracy = True
            prefixes.append(consp[0] + "/")
            i = consp[1]
            continue
        break

    items: list[tuple[str, str, list[str], str]] = []  # number, suffix, subsections, own code
    consumed = i
    while True:
        st = _statute(s, i)
        if st is None:
            break
        number, suffix, subs, j = st
        own_code = ""
        consumed = j
        k = _skip_ws(s, j)
        code = _match_code(s, k)
        if code is not None:
            own_code, consumed = code[0], code[1]
        items.append((number, suffix, subs, own_code))
        k = _skip_ws(s, consumed)
        if k < n and s[k] in "/+&-":
            k = _skip_ws(s, k + 1)
            if k < n and _is_digit(s[k]):
                i = k
                continue
        break
    if not items:
        return None

    statutes: list[Statute] = []
    for idx, (number, suffix, subs, own_code) in enumerate(items):
        resolved = own_code
        if not resolved:
            resolved = next((c for *_, c in items[idx + 1 :] if c), "") or leading_code
        statutes.append(Statute(number, suffix, tuple(subs), resolved))

    parts: list[str] = []
    for idx, st_ in enumerate(statutes):
        token = st_.number + st_.suffix + "".join(st_.subsections)
        nxt = statutes[idx + 1].code if idx + 1 < len(statutes) else None
        if st_.code and st_.code != nxt:
            token += " " + st_.code
        parts.append(token)
    canonical = "".join(prefixes) + "/".join(parts)

    return CodeSection(
        statutes=tuple(statutes),
        attempt=attempt,
        conspiracy=conspiracy,
        code=statutes[0].code,
        display=s[:consumed],
        canonical=canonical,
        source_column=source_column,
    )


def parse_charge(offense_descr: str, comment_text: str) -> CodeSection | None:
    """The code section of a row by the source rule of §4.8 (OFFENSE_DESCR, else COMMENT_TEXT)."""
    text, column = section_source(offense_descr, comment_text)
    return parse_code_section(text, source_column=column)


def subsection_path(statute: Statute) -> str:
    """Glued suffix split into letter/digit groups, then parenthesised subsections (§4.8)."""
    groups = re.findall(r"[A-Z]+|[0-9]+", statute.suffix)
    return "".join(f"({g})" for g in groups) + "".join(statute.subsections)


def unexpected_code_letters(section: CodeSection) -> bool:
    """Prop 64 statute written with code letters other than HS (`11357 PC`)."""
    return section.prop64_section is not None and section.code not in ("", "HS")


_MENTION_RUN = re.compile(r"[0-9]+")


def _mention(text: str) -> tuple[str, str] | None:
    """(section, letter or '') of the first Prop 64 mention in normalised text (rules §3.4)."""
    for m in _MENTION_RUN.finditer(text):
        run = m.group()
        if run in PROP64_SECTIONS:
            section = run
        elif run.startswith("664") and run[3:] in PROP64_SECTIONS:
            section = run[3:]
        else:
            continue
        end = m.end()
        if end + 1 < len(text) and text[end] == "." and _is_digit(text[end + 1]):
            continue
        letter = ""
        if (
            end + 2 < len(text)
            and text[end] == "("
            and _is_letter(text[end + 1])
            and text[end + 2] == ")"
        ):
            letter = text[end + 1]
        return section, letter
    return None


def possible_other_prop64_charge(offense_descr_raw: str, comment_text_raw: str) -> str:
    """Raw COMMENT_TEXT when it may name another Prop 64 charge than OFFENSE_DESCR, else ''.

    Rules spec §3.4, steps 1-6.
    """
    offense = normalise(offense_descr_raw)
    if not offense or offense == SEE_COMMENT:
        return ""
    in_comment = _mention(normalise(comment_text_raw))
    if in_comment is None:
        return ""
    in_offense = _mention(offense)
    if in_offense is None or in_offense[0] != in_comment[0]:
        return comment_text_raw
    if in_offense[0] == "11357":
        o_letter, c_letter = in_offense[1], in_comment[1]
        if o_letter and c_letter:
            if (o_letter in "AB" and c_letter in "CD") or (o_letter in "CD" and c_letter in "AB"):
                return comment_text_raw
            return ""
        if c_letter:
            return comment_text_raw
    return ""
