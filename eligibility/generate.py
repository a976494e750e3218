"""Synthetic DOJ research files (shared/spec/doj-research-file.md §2-§6). Synthetic data only.

`python -m eligibility generate` writes a file that looks like a county's H&S 11361.9 research
file: 95 columns, one row per subject x cycle x step x count x sentence part (DOJ §3), with
``CNT_ORDER`` keys ``CCCSSSNNN000``, arrest and court-action steps, several counts per court case
with convictions and dismissals, sentence parts (JAIL / PRISON / PROBATION / FINE) repeated on
rows, cannabis charges (H&S 11357(A)-(D), 11358, 11359, 11360, attempts and conspiracies,
``11357.5`` decoys, charges only in COMMENT_TEXT) among other offences, superstrikes (PC 187(A),
207, the gang pair PC 246 + 186.22(B)(4) in one court case), PC 290 registrations, deceased
subjects, events in other counties, court case numbers in OFN, and -- on request -- a share of
malformed records that the reader must quarantine (DOJ §5 R6, R5, R9, §4.2).

Everything is invented: names come from small built-in lists of made-up words, SSN-like values
use the never-issued area ``9xx``, CII numbers start with ``SYN``-like letters, licence numbers
with ``ZZ``.

The output is a pure function of the arguments: the same seed gives the same bytes.

Speed (the benchmark needs multi-million-row files): every subject's fixed columns are joined
once, and each row is the concatenation of a few prebuilt segments (person, cycle/step, count,
sentence part); pools of quoted values are built at import time.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TextIO, TypeVar

from eligibility.doj.columns import COLUMNS
from eligibility.doj.counties import COUNTIES

#: Kinds of malformed records and the reader's reason code for each (DOJ §5, §6).
MALFORMED_KINDS: Final[tuple[str, ...]] = (
    "FIELD_COUNT",  # a field missing (94 fields)
    "FIELD_COUNT",  # an extra non-empty field (96 fields)
    "BAD_QUOTE",  # a bare quote inside an unquoted field
    "NUL_BYTE",
    "MISSING_SUBJECT_ID",
)
#: Warning-level oddities written beside the malformed records (kept and evaluated by the reader).
ODDITY_KINDS: Final[tuple[str, ...]] = ("INVALID_DATE", "CONTROL_CHARACTER")


def _q(value: str) -> str:
    """CSV-quote a value the way DOJ files do: only when needed (comma, quote, leading blank)."""
    if any(c in value for c in ',"\r\n') or (value[:1].isspace()):
        return '"' + value.replace('"', '""') + '"'
    return value


# ---- invented name pools (no real people) ---------------------------------------------------
_LAST_NAMES: Final[tuple[str, ...]] = (
    "ABERNAK", "BRISOLD", "CANTREVO", "DALMURE", "EVANSKY", "FROLIDAN", "GARVETTI", "HOLMANDER",
    "ISTRAVA", "JURNIKO", "KELVASH", "LORIMONT", "MAVRODIN", "NESTAVAR", "OKOLUMBA", "PRENTISKA",
    "QUARVELL", "ROSTIGAN", "SALVEDRA", "TORMUNDI", "ULVERSTAN", "VANTROSK", "WELDIGAR", "YASHIRO",
    "ZEMBROWIK", "ALDOVRAN", "BELKISTAN", "CORVANTES", "DRUMELLO", "ESPARVIDA", "FENWORTHY",
    "GOLANSKY", "HAVERMINT", "INGLESTOR", "JAVORSKA", "KORMANDY", "LUNDAVIK", "MORENTIGA",
    "NOVARELL", "ORTIVANE", "PEÑALOSTA", "QUINTERAN", "RAVELSTOK", "SORVANGI", "TREMPOLA",
)  # fmt: skip
_FIRST_NAMES: Final[tuple[str, ...]] = (
    "ALVIO", "BRENNA", "CALDO", "DESTRA", "EMRIC", "FAYLEN", "GORVIN", "HESTRA", "IVORAN",
    "JOLISSA", "KESTO", "LURAYA", "MARLO", "NEVRIN", "ORSELA", "PAVLO", "QUENNA", "ROSKO",
    "SELVIA", "TAVREN", "ULMA", "VESPER", "WINSTEL", "XANDRO", "YELENKA", "ZORIN", "ARDEN",
    "BELIZA", "CORMAC", "DAVINA", "ELTON", "FRIEDA",
)  # fmt: skip
_MIDDLE: Final[tuple[str, ...]] = ("", "", " A", " B", " J", " M", " R", " T", " L")


@dataclass(frozen=True, slots=True)
class _Offence:
    descr: str
    code: str  # OFFENSE_CODE
    levels: str  # letters F/M/I this charge is written as
    comment: str = ""  # COMMENT_TEXT written with it (a second charge, or the real charge)
    always_convicted: bool = False  # superstrikes and gang pairs are written as convictions

    @property
    def comment_q(self) -> str:
        return _q(self.comment) if self.comment else ""


# cannabis charges of H&S 11357-11360, their written variants, and near misses
_CANNABIS: Final[tuple[_Offence, ...]] = (
    _Offence("11357(A) HS-POSSESS CONCENTRATED CANNABIS", "32011", "FM"),
    _Offence("11357(B) HS-POSSESS MARIJUANA 28.5 GRAMS OR LESS", "32012", "MI"),
    _Offence("11357(C) HS-POSSESS MARIJUANA OVER 28.5 GRAMS", "32013", "M"),
    _Offence("11357(D) HS-POSSESS MARIJUANA ON SCHOOL GROUNDS", "32014", "M"),
    _Offence("11357 HS-POSSESS MARIJUANA", "32010", "MF"),
    _Offence("11358 HS-CULTIVATE MARIJUANA", "32020", "F"),
    _Offence("11358 HS-PLANT/CULTIVATE/ETC MARIJUANA/HASHISH", "32020", "FM"),
    _Offence("11359 HS-POSSESS MARIJUANA FOR SALE", "32030", "F"),
    _Offence("11359HS-POSSESS MARIJUANA/HASHISH FOR SALE", "32030", "FM"),
    _Offence("11360(A) HS-SELL/TRANSPORT/ETC MARIJUANA", "32040", "F"),
    _Offence("11360(B) HS-GIVE/TRANSPORT/ETC 28.5 GRAMS OR LESS", "32041", "MI"),
    _Offence("11360 HS-TRANSPORT/SELL MARIJUANA", "32040", "F"),
    _Offence("664/11357(C) HS-ATTEMPT POSSESS MARIJUANA", "32013", "M"),
    _Offence("664-11359 HS-ATTEMPT POSSESS MARIJUANA FOR SALE", "32030", "F"),
    _Offence("182(A)(1) PC/11359 HS-CONSPIRACY:POSSESS MARIJUANA FOR SALE", "32030", "F"),
    _Offence("11357.5(A) HS-SELL SYNTHETIC CANNABINOID", "32050", "M"),  # not Prop 64
    _Offence("SEE COMMENT FOR CHARGE", "99999", "F", "11358 HS-CULTIVATE MARIJUANA"),
    _Offence("SEE COMMENT FOR CHARGE", "99999", "M", "11357(B) HS-POSSESS MARIJUANA"),
    _Offence("11360(A) HS-SELL/TRANSPORT/ETC MARIJUANA", "32040", "F", "11359 HS-POSSESS FOR SALE"),
    _Offence("11358 HS-CULTIVATE MARIJUANA", "32020", "F", "11359 HS-POSSESS MARIJUANA FOR SALE"),
)
_OTHER: Final[tuple[_Offence, ...]] = (
    _Offence("459 PC-BURGLARY", "26030", "FM"),
    _Offence("23152(A) VC-DUI ALCOHOL/DRUGS", "54030", "M"),
    _Offence("23152(B) VC-DUI ALCOHOL 0.08 PERCENT", "54031", "M"),
    _Offence("211 PC-ROBBERY", "12020", "F"),
    _Offence("245(A)(1) PC-ASSAULT WITH DEADLY WEAPON", "13030", "F"),
    _Offence("484(A) PC-PETTY THEFT", "23070", "M"),
    _Offence("11350(A) HS-POSSESS NARCOTIC CONTROLLED SUBSTANCE", "31010", "FM"),
    _Offence("11377(A) HS-POSSESS CONTROLLED SUBSTANCE", "31020", "M"),
    _Offence("12500(A) VC-DRIVE WITHOUT LICENSE", "54020", "M"),
    _Offence("14601.1(A) VC-DRIVE WHILE LICENSE SUSPENDED", "54025", "M"),
    _Offence("273.5(A) PC-INFLICT CORPORAL INJURY ON SPOUSE", "13050", "F"),
    _Offence("10851(A) VC-TAKE VEHICLE W/O OWNER CONSENT", "24020", "F"),
    _Offence("148(A)(1) PC-OBSTRUCT/RESIST PUBLIC OFFICER", "48010", "M"),
    _Offence("647(F) PC-DISORDERLY CONDUCT:INTOX DRUG/ALCOHOL", "53010", "M"),
    _Offence("11364 HS-POSSESS CONTROLLED SUBSTANCE PARAPHERNALIA", "31030", "M"),
    _Offence("4149 BP-UNLICENSED SALE OF HYPODERMIC", "35010", "M"),
    _Offence("602 PC-TRESPASSING", "57010", "M"),
    _Offence("32 PC-ACCESSORY", "73010", "F"),
    _Offence("166(A)(4) PC-CONTEMPT:DISOBEY COURT ORDER", "50010", "M"),
    _Offence("POSSESS MARIJUANA PARAPHERNALIA", "31031", "I"),  # no code section
    _Offence("4000(A) VC-NO REGISTRATION", "54010", "I"),
)
_SUPERSTRIKES: Final[tuple[_Offence, ...]] = (
    _Offence("187(A) PC-MURDER:FIRST DEGREE", "09010", "F", always_convicted=True),
    _Offence("207 PC-KIDNAPPING", "10010", "F", always_convicted=True),
    _Offence("664/187(A) PC-ATTEMPTED MURDER", "09011", "F", always_convicted=True),
    _Offence(
        "288(A) PC-LEWD OR LASCIVIOUS ACTS WITH CHILD UNDER 14", "36010", "F", always_convicted=True
    ),
    _Offence("261(A)(2) PC-RAPE BY FORCE/FEAR/ETC", "11010", "F", always_convicted=True),
)
_GANG_PAIR: Final[tuple[_Offence, _Offence]] = (
    _Offence("246 PC-SHOOT AT INHABITED DWELLING/VEHICLE", "13060", "F", always_convicted=True),
    _Offence("186.22(B)(4) PC-CRIMINAL STREET GANG ACTIVITY", "73030", "F", always_convicted=True),
)
_PC290 = _Offence("290 PC-REGISTRATION OF SEX OFFENDER", "36090", "")

_ARREST_DISPOSITIONS: Final[tuple[str, ...]] = (
    "", "", "", "REL/TOT OTHER JURIS/AUTH", "DET/REL-INSUFFICIENT EVIDENCE", "CITED AND RELEASED",
)  # fmt: skip
_CONVICTED: Final[tuple[str, ...]] = (
    "CONVICTED", "CONVICTED", "CONVICTED-JAIL", "CONVICTED-PROBATION", "CONVICTED-PRISON",
)  # fmt: skip
_NOT_CONVICTED: Final[tuple[str, ...]] = (
    "DISMISSED/CHARGE DROPPED", "DISMISSED/CHARGE DROPPED", "DISMISSED-FURTHERANCE OF JUSTICE",
    "ACQUITTED", "PROSECUTION REJECTED",
)  # fmt: skip
_LEVEL_DESCR: Final[dict[str, str]] = {"F": "FELONY", "M": "MISDEMEANOR", "I": "INFRACTION"}
_UNIT_DESCR: Final[dict[str, str]] = {"D": "DAYS      ", "M": "MONTHS    ", "Y": "YEARS     "}
_COMMENTS: Final[tuple[str, ...]] = (
    "",
    "PROBATION TERMS AND CONDITIONS AS STATED ON THE RECORD; DEFENDANT ADVISED OF RIGHTS AND "
    "WAIVED TIME FOR SENTENCING; CREDIT FOR TIME SERVED",
    "CREDIT FOR TIME SERVED; RESTITUTION TO BE DETERMINED BY PROBATION DEPARTMENT; NO CONTACT "
    "ORDER WITH VICTIM; SEARCH AND SEIZURE CONDITIONS IMPOSED",
    "SENTENCE SUSPENDED; REPORT TO PROBATION WITHIN 48 HOURS OF RELEASE FROM CUSTODY; "
    "ENROLL IN AND COMPLETE COUNSELING PROGRAM AS DIRECTED",
    "COUNT DISMISSED IN FURTHERANCE OF JUSTICE PER PLEA AGREEMENT, DEFENDANT TO PAY FEES AND "
    "PENALTY ASSESSMENTS WITHIN 90 DAYS",
    "FINE AND PENALTY ASSESSMENT STAYED PENDING COMPLETION OF PROGRAM; PROOF OF ENROLLMENT DUE "
    "AT NEXT HEARING; BENCH WARRANT RECALLED",
    "DEFENDANT SENTENCED PER PLEA; REMAINING COUNTS DISMISSED; DNA SAMPLE ORDERED; "
    "COURT SECURITY AND CONVICTION ASSESSMENT FEES IMPOSED",
)
_ARREST_COMMENTS: Final[tuple[str, ...]] = (
    "",
    "",
    "ARRESTED BY PATROL UNIT FOLLOWING TRAFFIC STOP; PROPERTY BOOKED AS EVIDENCE; "
    "RELEASED ON CITATION PENDING COURT DATE",
    "BOOKED AT MAIN JAIL; BAIL SET PER SCHEDULE; REPORT FORWARDED TO DISTRICT ATTORNEY "
    "FOR REVIEW AND FILING DECISION",
    "WARRANT ARREST; ORIGINATING AGENCY NOTIFIED; SUBJECT TRANSPORTED TO COUNTY "
    "DETENTION FACILITY FOR PROCESSING",
)
_RACES: Final[tuple[tuple[str, str], ...]] = (
    ("W", "WHITE"), ("B", "BLACK"), ("H", "HISPANIC"), ("A", "OTHER ASIAN"), ("O", "OTHER"),
)  # fmt: skip
_EYES: Final[tuple[tuple[str, str], ...]] = (("BRO", "BROWN"), ("BLU", "BLUE"), ("GRN", "GREEN"))
_HAIR: Final[tuple[tuple[str, str], ...]] = (("BLK", "BLACK"), ("BRO", "BROWN"), ("BLN", "BLOND"))

_PAD_QUAL: Final[tuple[str, ...]] = tuple(_q(" " * n) for n in (14, 22, 23, 29))
_PAD_STAT: Final[str] = _q(" " * 10)
_PAD18: Final[str] = _q(" " * 18)
_ORI_P: Final[str] = _q("         P")
_ORI_S: Final[str] = _q("         S")
_COMMENTS_Q: Final[tuple[str, ...]] = tuple(_q(c) for c in _COMMENTS)
_ARREST_COMMENTS_Q: Final[tuple[str, ...]] = tuple(_q(c) for c in _ARREST_COMMENTS)
_T = TypeVar("_T")


def _county_label(county: str) -> str:
    return county.replace(" ", "")


@dataclass(slots=True)
class GenerateReport:
    """What was written: rows by kind, so tests can check the reader's decisions."""

    rows: int = 0
    subjects: int = 0
    malformed_by_kind: Counter[str] = field(default_factory=Counter)
    oddities_by_kind: Counter[str] = field(default_factory=Counter)
    bytes_written: int = 0

    @property
    def malformed(self) -> int:
        return sum(self.malformed_by_kind.values())


class _Person:
    """Writes the rows of one invented subject into `out`."""

    __slots__ = ("county", "others", "rng")

    def __init__(self, rng: random.Random, county: str, others: tuple[str, ...]) -> None:
        self.rng = rng
        self.county = county
        self.others = others

    def rows(self, index: int, sid: str, budget: int) -> list[str]:
        # random() is one C call; randint/choice cost ten times more and this loop is hot
        rnd = self.rng.random

        def ri(a: int, b: int) -> int:
            return a + int(rnd() * (b - a + 1))

        def ch(seq: Sequence[_T]) -> _T:
            return seq[int(rnd() * len(seq))]

        county = self.county
        last = ch(_LAST_NAMES)
        first = ch(_FIRST_NAMES)
        name = _q(f"{last},{first}{ch(_MIDDLE)}")
        dob_year = ri(1940, 2000)
        dob = f"{dob_year}{ri(1, 12):02d}{ri(1, 28):02d}"
        gender_code, gender = ("M", "MALE") if rnd() < 0.8 else ("F", "FEMALE")
        cii = f"SYN{index % 1_000_000_000:09d}"
        ssn = f"9{ri(0, 99):02d}-{ri(1, 99):02d}-{ri(1, 9999):04d}"
        cdl = f"ZZ{ri(0, 999999):06d}"
        race = ch(_RACES)
        eye = ch(_EYES)
        hair = ch(_HAIR)
        head = (
            f"RID{index:09d},ACTIVE,{sid},#,{cii},{name},{gender_code},{dob},{cdl},{ssn},#,"
            f"{cii},{name},{gender},{dob},{ssn},{cdl}  ,,,FBI{index % 10_000_000:07d}SYN,#,"
            f"{race[0]},{race[1]},{eye[0]},{eye[1]},{hair[0]},{hair[1]},"
            f"5{ri(0, 11):02d},{ri(120, 260)},Y,N,CA,CALIFORNIA,S,US,#,"
        )
        out: list[str] = []
        n_cycles = ch((1, 1, 2, 2, 3, 3, 4, 5, 6, 8))
        year = dob_year + ri(17, 30)
        cannabis_cycle = int(rnd() * n_cycles)
        superstrike = rnd() < 0.02
        gang = rnd() < 0.01
        registration = rnd() < 0.01
        deceased = rnd() < 0.02
        case_serial = ri(10000, 99999)
        for c in range(n_cycles):
            if len(out) >= budget:
                break
            year = min(year + ri(0, 4), 2023)
            cdate = f"{year}{ri(1, 12):02d}{ri(1, 28):02d}"
            cdate_court = cdate[:6] + f"{min(int(cdate[6:]) + ri(0, 2), 28):02d}"
            age = year - dob_year
            cyc = 101 + c
            in_county = c == cannabis_cycle or rnd() < 0.8
            cnty = county if in_county else ch(self.others)
            label = _county_label(cnty)
            cnty_code = f"{COUNTIES.index(cnty) + 1:02d}"
            if c == cannabis_cycle:
                charges = [ch(_CANNABIS)]
                if rnd() < 0.4:
                    charges.append(ch(_CANNABIS if rnd() < 0.5 else _OTHER))
            elif superstrike and c == n_cycles - 1:
                charges = [ch(_SUPERSTRIKES)]
            elif gang and c == 0:
                charges = list(_GANG_PAIR)
            else:
                pool = _CANNABIS if rnd() < 0.25 else _OTHER
                charges = [ch(pool) for _ in range(ch((1, 1, 1, 2, 3)))]
            cyc_seg = f"{cyc},{cdate},#,"
            # step 1: arrest, one row per charge
            if rnd() < 0.7:
                step = (
                    f"1,{cdate},A,ARREST/DETAINED/CITED,{_ORI_P},POLICE DEPARTMENT,"
                    f"CA0{cnty_code}0100,CAPD {cnty},{cnty_code},{cnty},#,"
                )
                for n, off in enumerate(charges, 1):
                    toc = ch(off.levels)
                    out.append(
                        f"{head}{cyc_seg}{step}{cyc:03d}001{n:03d}000,{cdate},"
                        f"{ri(100000, 999999)},{off.code},{off.descr},{toc},"
                        f"{_PAD_QUAL[n % 4]},,,,,,,,,,{n},AGY{index % 100000:05d},,"
                        f"CIT{ri(0, 999999):06d},,INC{ri(0, 99999999):08d},"
                        f"BK{ri(0, 99999999):08d},,,,,,{n},,"
                        f"{ch(_ARREST_DISPOSITIONS)},{_PAD_STAT},,#,,,,,,"
                        f"{_PAD18},{age},,,{ch(_ARREST_COMMENTS_Q)},#\n"
                    )
            # step 2: court action in the same county
            court_ofn = "NULL  " if rnd() < 0.1 else f"{label[:3]}{year % 100:02d}F{case_serial}"
            case_serial += 1
            step = (
                f"2,{cdate_court},C,COURT ACTION,{_ORI_S},SUPERIOR COURT,"
                f"CA0{cnty_code}0J00,CASC {cnty} SUPERIOR COURT,{cnty_code},{cnty},#,"
            )
            for n, off in enumerate(charges, 1):
                if len(out) >= budget:
                    break
                toc = ch(off.levels)
                convicted = (c == cannabis_cycle and n == 1) or off.always_convicted or rnd() < 0.65
                count_order = f"{cyc:03d}002{n:03d}000"
                if convicted:
                    disp = ch(_CONVICTED)
                    stat = _LEVEL_DESCR[toc]
                    conv = f"{n},{off.code},{off.descr},{toc},{_PAD_QUAL[n % 4]}"
                else:
                    disp = ch(_NOT_CONVICTED)
                    stat = ""
                    conv = f",,,,{_PAD_QUAL[0]}"
                comment = off.comment_q or ch(_COMMENTS_Q)
                count = (
                    f"{head}{cyc_seg}{step}{count_order},{cdate_court},{court_ofn},"
                    f"{off.code},{off.descr},{toc},{_PAD_QUAL[n % 4]},"
                    f"{off.code},{off.descr},{toc},{_PAD_QUAL[n % 4]},{conv},"
                    f"{n},,,,DKT{case_serial},,,,,,"
                    f"{court_ofn.strip() or 'NONE'},,{n},{'C' if convicted else 'D'},{disp},"
                    f"{_PAD_STAT},{stat},#,"
                )
                tail = f",{age},,,{comment},#\n"
                if not convicted:
                    out.append(f"{count},,,,,{_PAD18}{tail}")
                    continue
                parts = ch((0, 1, 1, 2, 2, 3))
                if parts == 0:
                    out.append(f"{count},,,,,{_PAD18}{tail}")
                for part in range(parts):
                    kind = rnd()
                    if kind < 0.45:
                        unit = ch("DM")
                        length = ri(1, 365) if unit == "D" else ri(1, 12)
                        sent = f"{part + 1},J,JAIL,{length},{unit},{_UNIT_DESCR[unit]}"
                    elif kind < 0.8:
                        unit = ch("MY")
                        length = ri(12, 60) if unit == "M" else ri(1, 5)
                        sent = f"{part + 1},P,PROBATION,{length},{unit},{_UNIT_DESCR[unit]}"
                    elif kind < 0.9 and toc == "F":
                        length = ri(16, 96)
                        sent = f"{part + 1},S,PRISON,{length},M,{_UNIT_DESCR['M']}"
                    else:
                        sent = f"{part + 1},F,FINE,,,{_PAD18}"
                    out.append(count + sent + tail)
            if registration and c == 0 and len(out) < budget:
                out.append(
                    f"{head}{cyc},{cdate},#,3,{cdate},R,REGISTRATION,{_ORI_S},"
                    f"SHERIFF,CA0{cnty_code}0S00,CASO {cnty},{cnty_code},{cnty},#,"
                    f"{cyc:03d}003001000,{cdate},,{_PC290.code},{_PC290.descr},,"
                    f"{_PAD_QUAL[0]},,,,,,,,,,,,,,,,,,,,,,,,,{_PAD_STAT},,#,,,,,,"
                    f"{_PAD18},{age},,,,#\n"
                )
        if deceased and len(out) < budget:
            ddate = f"{min(year + ri(1, 5), 2024)}0{ri(1, 9)}15"
            out.append(
                f"{head}{101 + n_cycles},{ddate},#,1,{ddate},D,DECEASED,,CORONER,"
                f"CA0{_cnty_code(county)}0C00,CORONER {county},{_cnty_code(county)},{county},#,"
                f"{101 + n_cycles:03d}001001000,{ddate},,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"
                f"{_PAD_STAT},,#,,,,,,,,,,,#\n"
            )
        return out[:budget]


def _cnty_code(county: str) -> str:
    return f"{COUNTIES.index(county) + 1:02d}"


def _break(kind: str, row: str, sid: str) -> str:
    """Turn a valid row into a malformed record of `kind` (one physical line)."""
    if kind == "FIELD_COUNT":
        return row[: row.rstrip("\n").rfind(",")] + "\n"
    if kind == "FIELD_COUNT_EXTRA":
        return row.rstrip("\n") + ",EXTRA\n"
    if kind == "BAD_QUOTE":
        return row.replace(",#,", ',#"X,', 1)
    if kind == "NUL_BYTE":
        return row[:1] + "\x00" + row[1:]
    # MISSING_SUBJECT_ID
    return row.replace(f",{sid},", ",,", 1)


def _oddity(kind: str, row: str) -> str:
    if kind == "INVALID_DATE":
        # STP_EVENT_DATE is the 41st field; rewrite it as an impossible calendar date
        # (the quoted names REQ_NAME and PRI_NAME each hold one comma: field 40 is piece 42)
        fields = row.split(",", 43)
        if len(fields[42]) == 8 and fields[42].isdigit():
            fields[42] = fields[42][:4] + "0231"
        return ",".join(fields)
    return row.replace("ACTIVE", "ACT\x1aIVE", 1)


def generate(
    out: TextIO,
    *,
    county: str,
    rows: int,
    seed: int,
    malformed_share: float = 0.0,
    header: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> GenerateReport:
    """Write `rows` data records of a synthetic research file for `county` to `out`.

    `malformed_share` of the records (drawn per record) are made unreadable (DOJ §6 quarantine
    kinds); beside them about half as many rows get warning-level oddities (an impossible
    STP_EVENT_DATE, a control character). Raises ValueError for an unknown county.
    """
    canonical = " ".join(county.split()).upper()
    if canonical not in COUNTIES:
        raise ValueError("county must be one of the 58 California counties")
    if not 0.0 <= malformed_share <= 1.0:
        raise ValueError("malformed share must be between 0 and 1")
    rng = random.Random(seed)
    others = tuple(c for c in COUNTIES if c != canonical)
    person = _Person(rng, canonical, others)
    report = GenerateReport()
    if header:
        out.write(",".join(COLUMNS) + "\n")
    sid_base = rng.randrange(10_000_000)
    kinds = ("FIELD_COUNT", "FIELD_COUNT_EXTRA", "BAD_QUOTE", "NUL_BYTE", "MISSING_SUBJECT_ID")
    chunk: list[str] = []
    written = 0
    index = 0
    oddity_share = malformed_share / 2
    while written < rows:
        index += 1
        sid = str(10_000_000 + (sid_base + index * 7919) % 89_999_999)
        budget = min(rows - written, 30)
        lines = person.rows(index, sid, budget)
        if malformed_share > 0.0:
            for i, line in enumerate(lines):
                draw = rng.random()
                if draw < malformed_share:
                    kind = kinds[rng.randrange(len(kinds))]
                    lines[i] = _break(kind, line, sid)
                    report.malformed_by_kind[
                        "FIELD_COUNT" if kind.startswith("FIELD_COUNT") else kind
                    ] += 1
                elif draw < malformed_share + oddity_share:
                    kind = ODDITY_KINDS[rng.randrange(len(ODDITY_KINDS))]
                    lines[i] = _oddity(kind, line)
                    report.oddities_by_kind[kind] += 1
        chunk.extend(lines)
        written += len(lines)
        report.subjects += 1
        if len(chunk) >= 20_000:
            out.write("".join(chunk))
            chunk.clear()
            if progress is not None:
                progress(written, rows)
    out.write("".join(chunk))
    if progress is not None:
        progress(written, rows)
    report.rows = written
    return report


def generate_file(
    path: Path,
    *,
    county: str,
    rows: int,
    seed: int,
    malformed_share: float = 0.0,
    header: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> GenerateReport:
    """`generate` into a file (UTF-8, LF line ends)."""
    with path.open("w", encoding="utf-8", newline="", buffering=8 * 1024 * 1024) as out:
        report = generate(
            out,
            county=county,
            rows=rows,
            seed=seed,
            malformed_share=malformed_share,
            header=header,
            progress=progress,
        )
    report.bytes_written = path.stat().st_size
    return report
