"""Synthetic patients, doctors, samplers and insurers: one canonical table, vectorised.

Everything is drawn from one seeded NumPy generator, column after column, so a seed gives the
same rows on every machine. Identifiers are valid where real ones are (NIR key, Luhn for RPPS,
ADELI and FINESS, IBAN check digits), except for a few deliberate NIR look-alikes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sceau.synth import vocab
from sceau.synth.comments import comments as _free_text

LOOKALIKE_SHARE = 0.005  # NIRs with a wrong key: a scanner must never count them
_DOCTORS, _SAMPLERS, _INSURERS = 300, 40, 30


@dataclass(frozen=True)
class Canonical:
    """The canonical table (every column a string) and per-row truth for the comments."""

    frame: pl.DataFrame
    nir_valid: np.ndarray  # bool per row
    comment_health: dict[str, list[list[str]]]  # comment column -> categories per row
    comment_embedded: dict[str, list[list[str]]]


def people(patients: int, seed: int, *, harmless_comment_2: bool = False) -> Canonical:
    """``patients`` rows of the canonical columns (see docs/synth.md)."""
    rng = np.random.default_rng(seed)
    n = patients
    sex = rng.integers(1, 3, n)
    surname = _pick(rng, vocab.SURNAMES, n)
    first = _first_names(rng, sex)
    commune = rng.integers(0, len(vocab.COMMUNES), n)
    birth = _birth_dates(rng, n)
    nir, nir_valid = _nirs(rng, sex, birth, n)
    phone = _phones(rng, n, mobile_share=0.8)
    email = _emails(rng, first, surname)
    frame = pl.DataFrame(
        {
            "record_id": [f"D{2015 + i % 7}-{i:06d}" for i in range(n)],
            "nir": nir,
            "surname": surname,
            "first_names": first,
            "sex": sex.astype(str),
            "address": _addresses(rng, n),
            "postcode": np.array([c[1] for c in vocab.COMMUNES])[commune],
            "city": np.array([c[0] for c in vocab.COMMUNES])[commune],
            "phone": phone,
            "email": pl.Series(email.tolist(), dtype=pl.String),
            "birth_date": birth,
            "last_visit": _dates(rng, n, np.datetime64("2018-01-01"), np.datetime64("2021-12-31")),
            "portal_login": _logins(rng, first, surname),
            "portal_password": _pick(rng, vocab.PASSWORDS, n),
            "portal_password_hash": _bcrypt_like(rng, n),
        }
    )
    frame = frame.with_columns(pl.col("birth_date").cast(pl.String))
    frame = frame.with_columns(pl.col("last_visit").cast(pl.String))
    iban = _ibans(rng, 50)[rng.integers(0, 50, n)]
    texts = {"phone": phone, "nir": nir, "email": email, "iban": iban}
    identifiers: dict[str, np.ndarray | pl.Series] = {
        k: pl.Series(v.tolist(), dtype=pl.String) for k, v in texts.items()
    }
    identifiers["nir_valid"] = nir_valid
    comments, health, embedded = {}, {}, {}
    for column, harmless_only in (("comment_1", False), ("comment_2", harmless_comment_2)):
        text, rows, found = _free_text(rng, n, identifiers, harmless_only=harmless_only)
        comments[column] = text.alias(column)
        health[column], embedded[column] = rows.to_list(), found.to_list()
    frame = frame.with_columns(comments.values())
    frame = pl.concat(
        [frame, _pool(rng, "doctor", _DOCTORS, n), _pool(rng, "sampler", _SAMPLERS, n)],
        how="horizontal",
    )
    frame = pl.concat([frame, _insurers(rng, n)], how="horizontal")
    return Canonical(frame, nir_valid, health, embedded)


def _pick(rng: np.random.Generator, words: list[str], n: int) -> np.ndarray:
    return np.take(np.array(words), rng.integers(0, len(words), n))


def _first_names(rng: np.random.Generator, sex: np.ndarray) -> np.ndarray:
    n = len(sex)
    male = _pick(rng, vocab.MALE_NAMES, n)
    female = _pick(rng, vocab.FEMALE_NAMES, n)
    male = np.where(rng.random(n) < 0.05, _pick(rng, vocab.COMPOUND_MALE, n), male)
    female = np.where(rng.random(n) < 0.05, _pick(rng, vocab.COMPOUND_FEMALE, n), female)
    first = np.where(sex == 1, male, female)
    second = np.where(sex == 1, _pick(rng, vocab.MALE_NAMES, n), _pick(rng, vocab.FEMALE_NAMES, n))
    two = rng.random(n) < 0.2
    return np.where(two, np.char.add(np.char.add(first, " "), second), first)


def _birth_dates(rng: np.random.Generator, n: int) -> np.ndarray:
    # an ageing lab population: more patients born 1940-1990 than after
    years = np.clip(rng.normal(1965, 20, n).astype(int), 1925, 2024)
    days = rng.integers(0, 365, n)
    born: np.ndarray = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]") + days
    return born


def _dates(
    rng: np.random.Generator, n: int, start: np.datetime64, end: np.datetime64
) -> np.ndarray:
    span = (end - start).astype(int)
    return start + rng.integers(0, span, n).astype("timedelta64[D]")


def _nirs(
    rng: np.random.Generator, sex: np.ndarray, birth: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """NIRs consistent with sex and birth date, born in France, Corsica, overseas or abroad."""
    years = birth.astype("datetime64[Y]").astype(int) + 1970
    months = birth.astype("datetime64[M]").astype(int) % 12 + 1
    places = np.array(
        ["75", "13", "69", "59", "33", "2A", "2B", "971", "972", "973", "974", "976", "99", "44"]
    )
    place = places[rng.choice(len(places), n, p=_weights(len(places), heavy=(0, 1, 2, 3, 4)))]
    commune = rng.integers(1, 990, n)
    order = rng.integers(1, 999, n)
    frame = pl.DataFrame(
        {"sex": sex, "year": years % 100, "month": months, "place": place, "c": commune, "o": order}
    )
    body = frame.select(
        pl.format(
            "{}{}{}{}{}{}",
            pl.col("sex").cast(pl.String),
            pl.col("year").cast(pl.String).str.zfill(2),
            pl.col("month").cast(pl.String).str.zfill(2),
            pl.col("place"),
            # overseas departments take three digits, leaving two for the commune
            pl.when(pl.col("place").str.len_chars() == 3)
            .then((pl.col("c") % 100).cast(pl.String).str.zfill(2))
            .otherwise(pl.col("c").cast(pl.String).str.zfill(3)),
            pl.col("o").cast(pl.String).str.zfill(3),
        ).alias("body")
    )["body"]
    number = body.str.replace("2A", "19").str.replace("2B", "18").cast(pl.Int64).to_numpy()
    key = 97 - number % 97
    valid = rng.random(n) >= LOOKALIKE_SHARE
    key = np.where(valid, key, (key - 1 + rng.integers(1, 96, n)) % 97 + 1)
    nir = body + pl.Series(key.astype(str)).str.zfill(2)
    return nir.to_numpy().astype(str), valid


def _weights(size: int, heavy: tuple[int, ...]) -> np.ndarray:
    weights = np.ones(size)
    weights[list(heavy)] = 4.0
    return weights / float(weights.sum())


def _phones(rng: np.random.Generator, n: int, *, mobile_share: float) -> np.ndarray:
    """Ten-digit French numbers: mobiles 06 / 07 5x-8x, landlines 01-05 and 09."""
    mobile = rng.random(n) < mobile_share
    prefix = np.where(
        mobile,
        np.where(rng.random(n) < 0.7, "06", np.char.add("07", rng.integers(5, 9, n).astype(str))),
        np.char.add(_pick(rng, ["01", "02", "03", "04", "05", "09"], n), "4"),
    )
    width = 10 - np.char.str_len(prefix)
    tail = rng.integers(0, 10**7, n)
    digits = [p + str(t).zfill(w)[-w:] for p, t, w in zip(prefix, tail, width, strict=True)]
    return np.array(digits)


def _emails(rng: np.random.Generator, first: np.ndarray, surname: np.ndarray) -> np.ndarray:
    frame = pl.DataFrame({"f": first, "s": surname})
    local = frame.select(
        pl.format("{}.{}", pl.col("f").str.split(" ").list.first(), pl.col("s"))
        .str.to_lowercase()
        .str.replace_many(list("éèêëàâäîïôöûüç"), list("eeeeaaaiioouuc"))
        .str.replace_all("[^a-z.-]", "")
    )["f"].to_numpy()
    numbered = rng.random(len(first)) < 0.4
    local = np.where(
        numbered, np.char.add(local, rng.integers(1, 99, len(first)).astype(str)), local
    )
    email = np.char.add(np.char.add(local, "@"), _pick(rng, vocab.EMAIL_PROVIDERS, len(first)))
    return np.where(rng.random(len(first)) < 0.1, np.array(None, dtype=object), email)


def _logins(rng: np.random.Generator, first: np.ndarray, surname: np.ndarray) -> np.ndarray:
    frame = pl.DataFrame({"f": first, "s": surname, "k": rng.integers(0, 3, len(first))})
    folded = [
        pl.col(c).str.to_lowercase().str.replace_many(list("éèêëïîç"), list("eeeeiic"))
        for c in "fs"
    ]
    return frame.select(
        pl.when(pl.col("k") == 0)
        .then(pl.format("{}{}", folded[0].str.slice(0, 1), folded[1]))
        .when(pl.col("k") == 1)
        .then(pl.format("{}.{}{}", folded[0].str.split(" ").list.first(), folded[1], pl.col("k")))
        .otherwise(pl.format("{}_{}", folded[1], (pl.col("k") * 37 + 1950).cast(pl.String)))
        .str.replace_all("[^a-z0-9._-]", "")
        .alias("login")
    )["login"].to_numpy()


def _bcrypt_like(rng: np.random.Generator, n: int) -> np.ndarray:
    alphabet = np.array(list("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    chars = alphabet[rng.integers(0, len(alphabet), (n, 53))]
    return np.char.add("$2b$12$", chars.view("<U53").ravel())


def _addresses(rng: np.random.Generator, n: int) -> np.ndarray:
    number = rng.integers(1, 150, n).astype(str)
    suffix = _pick(rng, ["", "", "", "", "", "", " bis", " ter"], n)
    street = np.char.add(
        np.char.add(_pick(rng, vocab.STREET_TYPES, n), " "), _pick(rng, vocab.STREET_NAMES, n)
    )
    line = np.char.add(np.char.add(np.char.add(number, suffix), " "), street)
    return np.where(rng.random(n) < 0.03, _pick(rng, vocab.LIEUX_DITS, n), line)


def _luhn_complete(bodies: np.ndarray) -> np.ndarray:
    """Append the Luhn check digit to each string of digits."""
    digits = np.array([list(map(int, b)) for b in bodies])
    weights = np.where(np.arange(digits.shape[1])[::-1] % 2 == 0, 2, 1)
    doubled = digits * weights
    total = (doubled // 10 + doubled % 10).sum(axis=1)
    check = (10 - total % 10) % 10
    return np.char.add(bodies, check.astype(str))


def luhn_number(rng: np.random.Generator, prefix: str, length: int, n: int) -> np.ndarray:
    """``n`` Luhn-valid numbers of ``length`` digits starting with ``prefix``."""
    free = length - len(prefix) - 1
    bodies = np.char.add(prefix, np.char.zfill(rng.integers(0, 10**free, n).astype(str), free))
    return _luhn_complete(bodies)


def _pool(rng: np.random.Generator, role: str, size: int, n: int) -> pl.DataFrame:
    """A pool of practitioners or samplers, drawn for each patient."""
    sex = rng.integers(1, 3, size)
    surname = _pick(rng, vocab.SURNAMES, size)
    first = np.where(
        sex == 1, _pick(rng, vocab.MALE_NAMES, size), _pick(rng, vocab.FEMALE_NAMES, size)
    )
    name = np.char.add(np.char.add(surname, " "), first)
    columns = {
        f"{role}_name": name,
        f"{role}_address": _addresses(rng, size),
        f"{role}_phone": _phones(rng, size, mobile_share=0.3 if role == "doctor" else 0.9),
    }
    if role == "doctor":
        columns["doctor_name"] = np.where(rng.random(size) < 0.5, np.char.add("Dr ", name), name)
        local = np.char.lower(np.char.replace(surname, "-", ""))
        columns["doctor_email"] = np.char.add(
            np.char.add(np.char.add("dr.", local), "@"), _pick(rng, vocab.PRACTICE_DOMAINS, size)
        )
        columns["doctor_rpps"] = luhn_number(rng, "10", 11, size)
        departments = _pick(rng, ["75", "13", "69", "33", "59", "31", "44", "67"], size)
        columns["doctor_adeli"] = np.array(
            [luhn_number(rng, d, 9, 1)[0] for d in departments]  # a pool of 300, not the rows
        )
    pool = pl.DataFrame(columns)
    return pool[rng.integers(0, size, n)]


def _insurers(rng: np.random.Generator, n: int) -> pl.DataFrame:
    pool = pl.DataFrame(
        {
            "insurer_tp_id": np.char.zfill(rng.integers(10**6, 10**8, _INSURERS).astype(str), 8),
            "insurer_address": _addresses(rng, _INSURERS),
            "insurer_phone": _phones(rng, _INSURERS, mobile_share=0.0),
        }
    )
    return pool[rng.integers(0, _INSURERS, n)]


def _ibans(rng: np.random.Generator, count: int) -> np.ndarray:
    """French IBANs with valid check digits (ISO 13616 mod 97)."""
    out = []
    for bban in rng.integers(0, 10, (count, 23)):
        account = "".join(map(str, bban))
        check = 98 - int(account + "152700") % 97  # "FR" -> 15 27, then "00"
        out.append(f"FR{check:02d}{account}")
    return np.array(out)
