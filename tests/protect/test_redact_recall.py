"""Recall-first redaction finds nothing left: every phone format of the French numbering plan,
NIRs with good and bad keys, IBANs in any case, dates, e-mails and names, inside French sentences.

The oracles are libraries sceau did not write: ``phonenumbers`` makes the numbers (example and
random numbers of every type its metadata knows, for France and the overseas departments) and
then looks for any *possible* number in what redaction left; ``stdnum`` makes and checks NIRs and
IBANs. Clinical words of the sentences must all still be there.
"""

from __future__ import annotations

import random
import re
import string

import phonenumbers
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher, PhoneNumberType
from stdnum import iban as std_iban
from stdnum.fr import nir as std_nir

from sceau.detect.freetext import count_embedded
from sceau.protect.names import lexicon, name_words
from sceau.protect.redact import redact_identifiers

# The French numbering plan: metropolitan France and the overseas departments dialled as French
# numbers (their national form is 0 and nine digits, like France's).
REGIONS = ("FR", "RE", "YT", "GP", "GF", "MQ", "BL", "MF")
# Overseas collectivities with numbering plans of their own: international forms only.
OTHER_REGIONS = ("PM", "NC", "PF", "WF", "GB", "BE", "DE", "CH", "ES", "IT", "US", "MA", "DZ")
TYPES = [t for t in vars(PhoneNumberType).values() if isinstance(t, int)]
FORMATS = (
    PhoneNumberFormat.E164,
    PhoneNumberFormat.INTERNATIONAL,
    PhoneNumberFormat.NATIONAL,
    PhoneNumberFormat.RFC3966,
)
SENTENCES = (
    "Patient VIH positif sous trithérapie, rappeler au {}.",
    "grossesse 12 SA ; contact ({}) pour la sérologie toxoplasmose",
    "Chimiothérapie en cours, tel:{} - prélèvement hémolysé",
    "«{}» : résultats à faxer, diabète insulinodépendant, anticoagulé",
    "HÉPATITE C, NE PAS APPELER LE {}, TUBE COAGULÉ",
    "{}; bilan thyroïdien, lithium, dépression",
    "Dr traitant prévenu, {}, leucémie en rémission\nà jeun",
)
CLINICAL = re.compile(r"[^\W\d_]{4,}")  # the words of the sentences, to find them afterwards


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _type_numbers(region: str, rng: random.Random) -> list[phonenumbers.PhoneNumber]:
    """The example number and random numbers of every type the region's metadata describes."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    numbers = []
    for number_type in TYPES:
        example = phonenumbers.example_number_for_type(region, number_type)
        if example is None:
            continue
        numbers.append(example)
        description = phonenumbers.phonenumberutil._number_desc_by_type(metadata, number_type)
        pattern = re.compile(description.national_number_pattern.replace(r"\d", "[0-9]"))
        length = len(str(example.national_number))
        found = 0
        for _ in range(2_000):  # random digits until five match the type's pattern
            candidate = str(example.national_number)[:2] + _digits(rng, length - 2)
            if pattern.fullmatch(candidate):
                numbers.append(phonenumbers.parse(f"+{example.country_code}{candidate}"))
                found += 1
                if found == 5:
                    break
    return numbers


def _groupings(national: str) -> list[str]:
    """The ways people write a French national number (0 and nine digits)."""
    pairs = " ".join(national[i : i + 2] for i in range(0, 10, 2))
    rest = national[1:]
    return [
        pairs,
        pairs.replace(" ", "."),
        pairs.replace(" ", "-"),
        pairs.replace(" ", "/"),
        national,
        f"{national[:2]} {national[2:5]} {national[5:8]} {national[8:]}",
        f"{national[:4]} {national[4:6]} {national[6:8]} {national[8:]}",
        f"0 {rest[:3]} {rest[3:5]} {rest[5:7]} {rest[7:]}",
        f"+33 {rest[0]} {' '.join(rest[i : i + 2] for i in range(1, 9, 2))}",
        f"+33{rest}",
        f"+33 (0){rest[0]} {' '.join(rest[i : i + 2] for i in range(1, 9, 2))}",
        f"+33(0){rest}",
        f"0033 {rest[0]} {' '.join(rest[i : i + 2] for i in range(1, 9, 2))}",
        f"0033{rest}",
        f"{rest[0]} {' '.join(rest[i : i + 2] for i in range(1, 9, 2))}",
    ]


def phone_formats() -> list[str]:
    """Every phone this test feeds: metadata numbers in every format, the usual groupings,
    070x-072x and machine-to-machine numbers, and invalid numbers of valid shape."""
    rng = random.Random(2021)
    written = []
    for region in REGIONS + OTHER_REGIONS:
        for number in _type_numbers(region, rng):
            for number_format in FORMATS:
                text = phonenumbers.format_number(number, number_format)
                if region in REGIONS or number_format != PhoneNumberFormat.NATIONAL:
                    written.append(text)
            if region in REGIONS:
                national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
                written += _groupings(re.sub("[^0-9]", "", national))
    for prefix in [f"0{d}" for d in range(1, 10)] + ["0700", "0710", "0720", "0639", "0262"]:
        national = prefix + _digits(rng, 10 - len(prefix))  # any range, valid or not
        written += _groupings(national)
    for _ in range(5):  # machine-to-machine: 0700 and ten digits
        m2m = "0700" + _digits(rng, 10)
        written += [" ".join(m2m[i : i + 2] for i in range(0, 14, 2)), m2m]
    written += ["07 03 78 91 54", "+33718643131"]  # left in clear by the validating redaction
    return written


def _nir_body(rng: random.Random) -> str:
    department = rng.choice(["75", "13", "2A", "2B", "2a", "97", "99", "01"])
    department += "1" if department in ("97", "98") else ""
    body = (
        rng.choice("12378")
        + _digits(rng, 2)
        + rng.choice(["01", "06", "12", "20", "42", "99", "00"])
        + department
    )
    return body + _digits(rng, 13 - len(body))


def nirs() -> list[str]:
    """NIRs with a valid key (``stdnum`` agrees), with a wrong one, and without, in every
    grouping: spaced, dotted, compact."""
    rng = random.Random(97)
    written = []
    for _ in range(40):
        body = _nir_body(rng)
        good = body + std_nir.calc_check_digits(body.upper() + "00")
        bad = body + f"{(int(good[-2:]) - 1 + rng.randint(1, 96)) % 97 + 1:02d}"  # another key
        if std_nir.is_valid(good.upper()):
            assert not std_nir.is_valid(bad.upper())
        for number in (good, bad, body):
            groups = [number[0], number[1:3], number[3:5], number[5:7], number[7:10], number[10:13]]
            groups += [number[13:]] if len(number) > 13 else []
            written += [" ".join(groups), ".".join(groups), number]
    return written


def ibans() -> list[str]:
    """Valid IBANs (``stdnum`` makes their check digits) in upper, lower and mixed case,
    compact or in groups of four, and one with a wrong check."""
    rng = random.Random(13616)
    written = []
    for country, bban_length in (("FR", 23), ("DE", 18), ("BE", 12), ("ES", 20), ("IT", 23)):
        for _ in range(6):
            bban = _digits(rng, bban_length)
            if country == "IT":
                bban = rng.choice(string.ascii_uppercase) + bban[1:]
            number = country + std_iban.calc_check_digits(country + "00" + bban) + bban
            assert std_iban.is_valid(number, check_country=False)
            spaced = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
            mixed = "".join(c.lower() if i % 2 else c for i, c in enumerate(spaced))
            written += [number, spaced, number.lower(), spaced.lower(), mixed]
    written += ["fr4494320537254220670232533", "FR76 3000 6000 0112 3456 7890 180"]
    return written


def dates() -> list[str]:
    rng = random.Random(1985)
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août"]
    written = []
    for _ in range(20):
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1930, 2025)
        written += [
            f"{day:02d}/{month:02d}/{year}",
            f"{day}/{month}/{year % 100:02d}",
            f"{year}-{month:02d}-{day:02d}",
            f"{day:02d}.{month:02d}.{year}",
            f"{day:02d}-{month:02d}-{year}",
            f"{year}{month:02d}{day:02d}",
            f"{day} {rng.choice(months)} {year}",
            f"1er {rng.choice(months)} {year}",
            f"{day:02d}/{month:02d}/{year} 14h30",
            f"{year}-{month:02d}-{day:02d}T08:15:00Z",
        ]
    return written


EMAILS = [
    "jean.dupont@orange.fr",
    "m.lefebvre-martin@labo-bio.fr",
    "contact+resultats@chu-lyon.fr",
    "0612345678@sfr.fr",
    "jean.dupont @ orange.fr",
    "jean.dupont [at] orange.fr",
    "jean.dupont at orange dot fr",
    "jean.dupont@orange",
]


def _unambiguous() -> list[str]:
    every, _ = lexicon()
    return sorted(n for n in every - name_words() if len(n) >= 3)


def _first_names() -> list[str]:
    _, first = lexicon()
    return sorted(n for n in first - name_words() if len(n) >= 3)


def names() -> st.SearchStrategy[tuple[str, list[str]]]:
    """(how a name is written, the name words that must go)."""
    every, _ = lexicon()
    plain = sorted(n for n in name_words() if n in every)
    title = st.sampled_from(
        ["M.", "Mme", "Mlle", "Dr", "Pr", "Docteur", "Madame", "Monsieur", "Me"]
    )
    case = st.sampled_from([str.upper, str.title, str.lower])
    alone = st.builds(
        lambda n, upper: (n if upper else n.title(), [n]),
        st.sampled_from(_unambiguous()),
        st.booleans(),
    )
    titled = st.builds(
        lambda t, n, c: (f"{t} {c(n)}", [n]),
        title,
        st.sampled_from(sorted(every)).filter(lambda n: len(n) >= 3),
        case,
    )
    pair = st.builds(
        lambda surname, first: (f"{surname} {first.title()}", [surname, first]),
        st.sampled_from(plain),
        st.sampled_from(_first_names()),
    )
    return st.one_of(alone, titled, pair)


def _left_words(text: str) -> set[str]:
    return {w.upper() for w in re.findall(r"[^\W\d_]+", text)}


def _nothing_left(redacted: str) -> None:
    found = [m.raw_string for m in PhoneNumberMatcher(redacted, "FR", leniency=Leniency.POSSIBLE)]
    assert found == [], redacted
    assert re.search("[0-9]{9,}", redacted) is None, redacted


def test_every_phone_format_of_the_french_numbering_plan_goes():
    phones = phone_formats()
    assert len(phones) > 1_000
    texts = [SENTENCES[i % len(SENTENCES)].format(phone) for i, phone in enumerate(phones)]
    redacted = redact_identifiers(pl.Series(texts)).to_list()
    for before, after in zip(texts, redacted, strict=True):
        _nothing_left(after)
        assert "[PHONE]" in after, before
        assert CLINICAL.findall(before.replace("tel:", " ")) == CLINICAL.findall(
            after.replace("[PHONE]", " ").replace("tel:", " ")
        ), (before, after)


@pytest.mark.parametrize(
    ("kind", "written"), [("[NIR]", nirs()), ("[IBAN]", ibans()), ("[DATE]", dates())]
)
def test_every_nir_iban_and_date_goes(kind, written):
    texts = [SENTENCES[i % len(SENTENCES)].format(value) for i, value in enumerate(written)]
    redacted = redact_identifiers(pl.Series(texts)).to_list()
    for before, after in zip(texts, redacted, strict=True):
        _nothing_left(after)
        assert kind in after, (before, after)
        assert not any(part in after for part in re.findall("[0-9]{3,}", before)), (before, after)
    assert count_embedded(pl.Series(redacted)) == {}


def test_every_email_goes():
    texts = [f"résultats à envoyer à {email}, VIH négatif" for email in EMAILS]
    redacted = redact_identifiers(pl.Series(texts)).to_list()
    assert redacted == ["résultats à envoyer à [EMAIL], VIH négatif"] * len(EMAILS)


IDENTIFIERS = st.sampled_from(phone_formats() + nirs() + ibans() + dates() + EMAILS)
AROUND = st.sampled_from([" ", ", ", " (", ") ", ": ", "; ", " - ", "\n", ".", " « ", " » "])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(IDENTIFIERS.map(lambda v: (v, [])), names()), min_size=1, max_size=6),
    st.lists(AROUND, min_size=7, max_size=7),
    st.sampled_from(SENTENCES),
)
def test_nothing_is_left_in_a_french_sentence(pieces, around, sentence):
    inserted = "".join(around[i] + written for i, (written, _) in enumerate(pieces)) + around[-1]
    text = sentence.format(inserted)
    redacted = redact_identifiers(pl.Series([text])).item()
    _nothing_left(redacted)
    assert count_embedded(pl.Series([redacted])) == {}
    gone = {name for _, words in pieces for name in words}
    clinical = _left_words(sentence)
    assert not (gone - clinical) & _left_words(redacted), redacted
    assert clinical <= _left_words(redacted), redacted
