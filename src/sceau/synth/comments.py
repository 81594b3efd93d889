"""Free-text comments as lab staff type them, built column-wise, with per-row truth.

Templates live in ``synth/data`` (``health.txt``: ``CATEGORIES|template``; ``harmless.txt``;
``embedded.txt``: ``IDENTIFIER|template``) and were written from how French lab staff write,
not from the detectors' lexicons. ``context.txt`` holds the hard cases, labelled with the
conventions of docs/categories.md: health words about someone else, negated, hypothetical or
outside health (labelled with no category), tests that count whatever their result, drugs that
count as TREATMENT and their condition, lab words that are also drug names. Every choice is one
NumPy draw over the whole column and every slot one Polars replace, so 500,000 comments take
about a second.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl

from sceau.synth.vocab import data_lines

HEALTH_SHARE = 0.3  # comments that mention health data
COMBINED_SHARE = 0.15  # of those, comments that join two health notes
EMBEDDED_SHARE = 0.03  # comments that are, or end with, one of the patient's identifiers
EMPTY_SHARE = 0.1  # empty or null comments
CONTEXT_SHARE = 0.2  # of the comments with no health data, share that is a hard case instead
_SEPARATORS = [", ", " - ", ". ", " / ", " + ", " ; "]
_ACCENTED = list("éèêëàâäîïôöûüùçÉÈÊÀÂÎÔÛÇ")
_PLAIN = list("eeeeaaaiioouuucEEEAAIOUC")


@cache
def templates(name: str) -> tuple[np.ndarray, pl.Series]:
    """(template texts, categories per template) from a ``CATEGORIES|template`` file."""
    lines = [line.split("|", 1) for line in data_lines(name)]
    texts = np.array([text for _, text in lines])
    categories = pl.Series(
        [sorted(set(c.split(",")) - {""}) for c, _ in lines], dtype=pl.List(pl.String)
    )
    return texts, categories


def _pick(
    rng: np.random.Generator, words: np.ndarray | tuple[str, ...] | list[str], n: int
) -> pl.Series:
    return pl.Series(list(words), dtype=pl.String).gather(rng.integers(0, len(words), n))


def _text(values: np.ndarray | pl.Series) -> pl.Series:
    """A string column even when NumPy holds it as objects (nulls among strings)."""
    if isinstance(values, pl.Series):
        return values.cast(pl.String)
    return pl.Series(values.tolist(), dtype=pl.String)


def comments(
    rng: np.random.Generator,
    n: int,
    identifiers: dict[str, np.ndarray | pl.Series],
    *,
    harmless_only: bool = False,
    hard_only: bool = False,
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """(texts, health categories per row, embedded identifier categories per row).

    ``identifiers`` holds the patients' ``phone``, ``nir``, ``nir_valid``, ``email`` and ``iban``
    arrays: an identifier written in a comment is the patient's own. A NIR look-alike written in
    a comment is not recorded as an embedded NIR. Hard cases (``context.txt``) replace some of
    the comments with no health data, except in a ``harmless_only`` column; they are drawn from
    a generator of their own, so that every other column of a seed stays as it was.
    ``hard_only`` makes every comment that is not empty or an identifier a hard case: the set
    the accuracy tests and the health benchmark measure precision on.
    """
    health_text, health_cats = templates("health.txt")
    context_text, context_cats = templates("context.txt")
    embedded_text, embedded_cats = templates("embedded.txt")
    harmless = data_lines("harmless.txt")
    kind = rng.random(n)
    is_health = (kind < HEALTH_SHARE) & (not harmless_only) & (not hard_only)
    is_empty = kind >= 1 - EMPTY_SHARE
    is_embedded = (kind >= 1 - EMPTY_SHARE - EMBEDDED_SHARE) & ~is_empty
    combined = is_health & (rng.random(n) < COMBINED_SHARE)
    suffixed = ~is_empty & ~is_embedded & (rng.random(n) < EMBEDDED_SHARE)
    hard = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])  # type: ignore[attr-defined]
    share = 1.0 if hard_only else CONTEXT_SHARE
    is_context = ~is_health & ~is_empty & ~is_embedded & (hard.random(n) < share)
    is_context &= not harmless_only
    c_index = hard.integers(0, len(context_text), n)

    first, second = rng.integers(0, len(health_text), (2, n))
    e_index = rng.integers(0, len(embedded_text), n)
    pieces = pl.DataFrame(
        {
            "h1": pl.Series(health_text).gather(first),
            "h2": pl.Series(health_text).gather(second),
            "plain": _pick(rng, harmless, n),
            "context": pl.Series(context_text).gather(c_index),
            "is_context": is_context,
            "sep": _pick(rng, _SEPARATORS, n),
            "tail_sep": _pick(rng, [" - ", ", ", ". "], n),
            "id_note": pl.Series(embedded_text).gather(e_index),
            "is_health": is_health,
            "combined": combined,
            "suffixed": suffixed,
            "is_embedded": is_embedded,
        }
    )
    base = (
        pl.when(pl.col("is_health"))
        .then(pl.col("h1"))
        .when(pl.col("is_context"))
        .then(pl.col("context"))
        .otherwise(pl.col("plain"))
    )
    base = pl.when(pl.col("combined")).then(pl.concat_str(base, "sep", "h2")).otherwise(base)
    base = (
        pl.when(pl.col("suffixed")).then(pl.concat_str(base, "tail_sep", "id_note")).otherwise(base)
    )
    text = pieces.select(
        pl.when(pl.col("is_embedded")).then(pl.col("id_note")).otherwise(base)
    ).to_series()

    empty = pl.Series([[]], dtype=pl.List(pl.String)).gather(np.zeros(n, dtype=np.int64))
    health = pl.DataFrame(
        {
            "first": health_cats.gather(first),
            "second": health_cats.gather(second),
            "context": context_cats.gather(c_index),
            "empty": empty,
            "is_health": is_health,
            "is_context": is_context,
            "combined": combined,
        }
    ).select(
        pl.when(pl.col("combined"))
        .then(pl.concat_list("first", "second").list.unique().list.sort())
        .when(pl.col("is_health"))
        .then(pl.col("first"))
        .when(pl.col("is_context"))
        .then(pl.col("context"))
        .otherwise(pl.col("empty"))
    )
    frame = pl.DataFrame(
        {
            "text": text,
            "embedded": embedded_cats.gather(e_index),
            "has_embedded": is_embedded | suffixed,
            "nir_valid": identifiers["nir_valid"],
            "health": health.to_series(),
            "empty": empty,
            "blank": is_empty,
            "null": rng.random(n) < 0.5,
            "style": rng.random(n),
            "n": rng.integers(2, 30, n).astype(str),
            "sa": rng.integers(5, 41, n).astype(str),
            "year": rng.integers(2005, 2022, n).astype(str),
            "drug": _pick(rng, data_lines("drugs.txt"), n),
            "cancer": _pick(rng, data_lines("cancers.txt"), n),
            "relative": _pick(hard, data_lines("relatives.txt"), n),
            "phone": _text(identifiers["phone"]),
            "nir": _text(identifiers["nir"]),
            "email": _text(identifiers["email"]),
            "iban": _text(identifiers["iban"]),
        }
    )
    filled = pl.col("text")
    for slot in ("n", "sa", "year", "drug", "cancer", "relative", "nir", "iban"):
        filled = filled.str.replace_all("{" + slot + "}", pl.col(slot), literal=True)
    spaced = pl.col("phone").str.replace(r"^(..)(..)(..)(..)(..)$", "$1 $2 $3 $4 $5")
    filled = filled.str.replace_all("{phone}", spaced, literal=True)
    email = pl.col("email").fill_null("contact.famille@orange.fr")
    filled = filled.str.replace_all("{email}", email, literal=True)
    style = pl.col("style")
    styled = (
        pl.when(style < 0.12)
        .then(filled.str.to_uppercase())
        .when(style < 0.17)
        .then(filled.str.to_lowercase())
        .when(style < 0.37)
        .then(filled.str.replace_many(_ACCENTED, _PLAIN))
        .otherwise(filled)
    )
    embedded = (
        pl.when(~pl.col("has_embedded") | pl.col("blank"))
        .then(pl.col("empty"))
        .when(pl.col("nir_valid"))
        .then(pl.col("embedded"))
        .otherwise(pl.col("embedded").list.eval(pl.element().filter(pl.element() != "NIR")))
    )
    out = frame.select(
        text=pl.when(pl.col("blank"))
        .then(pl.when(pl.col("null")).then(None).otherwise(pl.lit("")))
        .otherwise(styled),
        health=pl.when(pl.col("blank")).then(pl.col("empty")).otherwise(pl.col("health")),
        embedded=embedded,
    )
    return out["text"], out["health"], out["embedded"]
