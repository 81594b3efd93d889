"""Milliseconds per value detector's ``matches`` on one column of synthetic values of its shape.

One process; values are drawn once (491,840 by default, the size of the 2021 leak) in the forms
lab exports write them: NIRs half of them grouped, phones in five notations, dd/mm/yyyy dates,
upper-case communes, and so on, a few invalid among them. Each detector is timed as the scanner
runs it: ``matches`` in a lazy ``select`` over the column (best of ``--repeat`` runs). This is a
benchmark, not a test: nothing is asserted.

    python bench/detectors.py
    python bench/detectors.py --rows 100000 --only nir,iban
"""

from __future__ import annotations

import argparse
import time
import zlib
from collections.abc import Callable

import numpy as np
import polars as pl

from sceau.detect.base import Detector, registered
from sceau.synth import vocab
from sceau.synth.labs import phone_forms

ROWS = 491_840
SEED = 2021

Rng = np.random.Generator


def _pick(rng: Rng, words: list[str] | tuple[str, ...], n: int) -> pl.Series:
    chosen = np.asarray(words, dtype=object)[rng.integers(0, len(words), n)]
    return pl.Series(chosen, dtype=pl.String)


def _digits(rng: Rng, n: int, width: int) -> pl.Series:
    return pl.Series(rng.integers(0, 10**width, n)).cast(pl.String).str.zfill(width)


def _rows(n: int, *expressions: pl.Expr) -> pl.Series:
    """The first expression on a frame of ``n`` row numbers ``i``."""
    return pl.select(pl.int_range(n).alias("i")).select(*expressions).to_series()


def _nir(rng: Rng, n: int) -> pl.Series:
    places = ["75", "13", "69", "59", "2A", "2B", "99", "44"]
    frame = pl.DataFrame(
        {
            "sex": rng.integers(1, 3, n),
            "year": rng.integers(0, 100, n),
            "month": rng.integers(1, 13, n),
            "place": _pick(rng, places, n),
            "rest": _digits(rng, n, 6),
            "bad": rng.random(n) < 0.01,
        }
    )
    body = pl.format(
        "{}{}{}{}{}",
        pl.col("sex"),
        pl.col("year").cast(pl.String).str.zfill(2),
        pl.col("month").cast(pl.String).str.zfill(2),
        pl.col("place"),
        pl.col("rest"),
    )
    number = body.str.replace("2A", "19").str.replace("2B", "18").cast(pl.Int64)
    key = 97 - number % 97 + pl.col("bad").cast(pl.Int64)
    nir = body + key.cast(pl.String).str.zfill(2)
    grouped = nir.str.replace(r"^(.)(..)(..)(..)(...)(...)(..)$", "$1 $2 $3 $4 $5 $6 $7")
    row = pl.int_range(pl.len())
    return frame.select(pl.when(row % 2 == 0).then(grouped).otherwise(nir)).to_series()


def _luhn(rng: Rng, n: int, prefix: str, length: int) -> pl.Series:
    body = pl.lit(prefix) + pl.lit(_digits(rng, n, length - len(prefix) - 1))
    digits = body.cast(pl.Int64)
    total: pl.Expr = pl.lit(0)
    for position in range(length - 1):  # from the right, before the check digit
        digit = digits // 10**position % 10
        if position % 2 == 0:
            digit = digit * 2 - (digit >= 5).cast(pl.Int64) * 9
        total = total + digit
    check = (10 - total % 10) % 10
    return pl.select(body + check.cast(pl.String)).to_series()


def _person_name(rng: Rng, n: int) -> pl.Series:
    surname = _pick(rng, vocab.SURNAMES, n)
    first = _pick(rng, vocab.MALE_NAMES + vocab.FEMALE_NAMES + vocab.COMPOUND_FEMALE, n)
    form = pl.Series(rng.integers(0, 4, n))
    frame = pl.DataFrame({"s": surname, "f": first, "k": form})
    return frame.select(
        pl.when(pl.col("k") == 0)
        .then(pl.col("s"))
        .when(pl.col("k") == 1)
        .then(pl.col("f"))
        .when(pl.col("k") == 2)
        .then(pl.format("Dr {} {}", pl.col("s"), pl.col("f")))
        .otherwise(pl.format("{} {}", pl.col("f"), pl.col("s")))
    ).to_series()


def _city(rng: Rng, n: int) -> pl.Series:
    names = _pick(rng, [c[0] for c in vocab.COMMUNES], n).str.to_uppercase()
    cedex = pl.Series(rng.random(n) < 0.1)
    return pl.select(pl.when(cedex).then(names + " CEDEX").otherwise(names)).to_series()


def _address(rng: Rng, n: int) -> pl.Series:
    number = pl.Series(rng.integers(1, 150, n)).cast(pl.String)
    street = _pick(rng, vocab.STREET_TYPES, n) + " " + _pick(rng, vocab.STREET_NAMES, n)
    return number + " " + street


def _phone(rng: Rng, n: int) -> pl.Series:
    frame = pl.DataFrame({"e": _pick(rng, ["06", "07", "01", "04", "09"], n) + _digits(rng, n, 8)})
    return frame.select(phone_forms(pl.col("e"))).to_series()


def _email(rng: Rng, n: int) -> pl.Series:
    local = _pick(rng, vocab.SURNAMES, n).str.to_lowercase().str.replace_all("[^a-z]", "")
    number = pl.Series(rng.integers(1, 99, n)).cast(pl.String)
    return local + "." + number + "@" + _pick(rng, vocab.EMAIL_PROVIDERS, n)


def _date(rng: Rng, n: int) -> pl.Series:
    days = pl.Series(rng.integers(-25_000, 19_000, n)).cast(pl.Date)
    return days.dt.strftime("%d/%m/%Y")


def _password(rng: Rng, n: int) -> pl.Series:
    return _pick(rng, vocab.PASSWORDS, n) + pl.Series(rng.integers(0, 100, n)).cast(pl.String)


def _login(rng: Rng, n: int) -> pl.Series:
    return _pick(rng, vocab.SURNAMES, n).str.to_lowercase().str.replace_all("[^a-z]", "") + "_1"


def _hash(rng: Rng, n: int) -> pl.Series:
    alphabet = np.array(list("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    chars = alphabet[rng.integers(0, len(alphabet), (n, 53))]
    return pl.Series(np.char.add("$2b$12$", chars.view("<U53").ravel()))


def _iban(rng: Rng, n: int) -> pl.Series:
    account = _digits(rng, n, 11) + _digits(rng, n, 12)
    check = 98 - pl.lit(account + "152700").cast(pl.Int128) % 97  # "FR" is 15 27
    compact = pl.select("FR" + check.cast(pl.String).str.zfill(2) + account).to_series()
    grouped = compact.str.replace_all(r"(.{4})", "$1 ").str.strip_chars()
    return pl.select(pl.when(pl.int_range(n) % 2 == 0).then(grouped).otherwise(compact)).to_series()


def _postcode(rng: Rng, n: int) -> pl.Series:
    return _pick(rng, [c[1] for c in vocab.COMMUNES], n)


def _sex(rng: Rng, n: int) -> pl.Series:
    return _pick(rng, ["H", "F", "M", "Femme", "masculin"], n)


def _insurer(rng: Rng, n: int) -> pl.Series:
    return _digits(rng, n, 8)


SHAPES: dict[str, Callable[[Rng, int], pl.Series]] = {
    "nir": _nir,
    "person_name": _person_name,
    "sex": _sex,
    "address": _address,
    "postcode": _postcode,
    "city": _city,
    "phone": _phone,
    "email": _email,
    "date": _date,
    "finess": lambda rng, n: _luhn(rng, n, "13", 9),
    "rpps": lambda rng, n: _luhn(rng, n, "10", 11),
    "adeli": lambda rng, n: _luhn(rng, n, "75", 9),
    "insurer_id": _insurer,
    "login": _login,
    "password": _password,
    "password_hash": _hash,
    "iban": _iban,
}


def _time(frame: pl.LazyFrame, detector: Detector, repeat: int) -> tuple[float, int]:
    query = frame.select(detector.matches(pl.col("v")).sum())
    best, hits = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        hits = int(query.collect().item())
        best = min(best, time.perf_counter() - started)
    return best * 1000, hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated detector names")
    args = parser.parse_args()
    only = {name for name in args.only.split(",") if name}
    print(f"{'detector':<14} {'ms':>8} {'regex ms':>9} {'matches':>9}  ({args.rows:,} values)")
    for detector in registered():
        if detector.name not in SHAPES or (only and detector.name not in only):
            continue
        rng = np.random.default_rng([SEED, zlib.crc32(detector.name.encode())])
        values = SHAPES[detector.name](rng, args.rows).alias("v")
        frame = pl.DataFrame(values).lazy()
        milliseconds, hits = _time(frame, detector, args.repeat)
        regex = frame.select(pl.col("v").str.contains(f"^(?:{detector.pattern})$").sum())
        started = time.perf_counter()
        regex.collect()
        regex_ms = (time.perf_counter() - started) * 1000
        print(f"{detector.name:<14} {milliseconds:8.1f} {regex_ms:9.1f} {hits:9,}")


if __name__ == "__main__":
    main()
