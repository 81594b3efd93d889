"""Names inside free text, by the first-name and surname lexicons, case and titles.

A word goes (becomes ``[NAME]``) when it is:

- after a title (M., Mme, Mlle, Dr, Pr, Docteur, Madame, Monsieur, Me...): written with a
  capital, whether in the lexicons or not ("Dr Kowalczyk"), or in the lexicons whatever its case
  ("mme martin"); the words that follow it with a capital go too ("Dr Jean-Marc Kowalczyk");
- a name of the lexicons written with a capital ("Martin", "MARTIN"), unless it is also a word
  lab comments use (``name_words.txt``: "Petit", "Masse", "Claire"; and names of one or two
  letters), which goes only after a title or next to another name ("PETIT Marie");
- next to a first name that goes, in text not typed in capitals: a capitalised word after it
  ("Marie Kowalczyk") or a word in capitals around it ("KOWALCZYK Marie").

Never in an eponym or an institution: "maladie de Wilson", "syndrome de Gilbert", "Charcot-Marie-
Tooth", "Institut Gustave Roussy", "hôpital Saint-Louis", "Wilson's disease" keep their words.
A name written in lower case without a title ("appeler martin") is kept: nothing tells it from
a word.

The text is cut into runs of letters and runs of anything else (``str.extract_all``), exploded
into one frame, and each word is judged from its neighbours by shifting whole columns: no loop
over cells. Texts with neither a title nor a name-shaped word are left out before that.
"""

from __future__ import annotations

import itertools
from functools import cache
from importlib import resources

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from sceau.detect.health.lexicon import load_lexicon
from sceau.detect.lexicons import load_words

NAME = "[NAME]"

_TITLES = (
    "M", "MM", "MR", "MRS", "MS", "MME", "MMES", "MLLE", "MLLES", "MELLE", "MLE", "MISS", "DR",
    "DRS", "DOCTEUR", "DOCTEURS", "DOCTOR", "PR", "PROF", "PROFESSEUR", "MADAME", "MONSIEUR",
    "MADEMOISELLE", "MESDAMES", "MESSIEURS", "ME", "MAITRE",
)  # fmt: skip
# Titles that are other words in lower case: a metre, a pronoun, milliseconds.
_CAPITAL_TITLES = ("M", "MM", "ME", "MS")
# Particles that carry a name on after a title or a name ("M. de Sousa", "Mme van der Berg").
_PARTICLES = (
    "DE", "DU", "DES", "D", "LA", "LE", "L", "VAN", "VON", "DER", "DEN", "DI", "DA", "DOS", "DAS",
    "DEL", "DELLA", "EL", "AL", "BEN", "BIN", "MAC", "MC",
)  # fmt: skip
# Words after which a capitalised word names a disease, a sign or a test ("maladie de Wilson").
_EPONYM_HEADS = (
    "MALADIE", "MALADIES", "SYNDROME", "SYNDROMES", "SIGNE", "SIGNES", "TEST", "TESTS", "REACTION",
    "KYSTE", "ANSE", "SCORE", "STADE", "CLASSIFICATION", "METHODE", "CRITERE", "CRITERES",
    "TUMEUR", "LYMPHOME", "SARCOME", "TRIADE", "MANOEUVRE", "EPREUVE", "PHENOMENE", "ANOMALIE",
    "DYSTROPHIE", "MYOPATHIE", "ATAXIE", "CHOREE", "PARALYSIE", "CELLULE", "CELLULES", "CORPS",
    "LOI", "FORMULE", "INDEX", "ECHELLE", "PURPURA", "THYROIDITE", "ENCEPHALOPATHIE",
    "GRANULOMATOSE", "FRACTURE", "HERNIE", "ULCERE", "ANGINE", "MYELOME", "LEUCEMIE", "OPERATION",
    "INTERVENTION", "TECHNIQUE", "COLORATION", "CANAL", "TROMPE", "GLANDE", "GLANDES", "BACILLE",
    "ANTIGENE", "SYSTEME", "PHENOTYPE", "GROUPE", "NEVRALGIE", "NEVROME", "POSITION", "ESPACE",
    "ZONE", "LIGNE", "POINT", "DISEASE", "SYNDROME", "SIGN",
)  # fmt: skip
# Words after which capitalised words name a place of care ("Institut Gustave Roussy").
_PLACE_HEADS = (
    "HOPITAL", "HOPITAUX", "CHU", "CHR", "CHRU", "CH", "CHI", "CHS", "GH", "CLINIQUE",
    "POLYCLINIQUE", "INSTITUT", "CENTRE", "FONDATION", "MATERNITE", "EHPAD", "LABORATOIRE",
    "LABORATOIRES", "LABO", "HOSPITAL", "CLINIC", "INSTITUTE",
)  # fmt: skip
# Joined by a hyphen, they make a place's name ("hôpital Saint-Louis", "Sainte-Anne").
_SAINTS = ("SAINT", "SAINTE", "ST", "STE")
_OF_WORDS = ("DE", "D", "DU", "DES")
_ENGLISH_TAILS = ("DISEASE", "SYNDROME", "DISORDER", "SIGN", "TEST")
_MIN_UNLISTED = 3  # names of one or two letters (Le, Li, Vu) go only after a title or in a pair

# Runs of letters, and runs of anything else (a placeholder already there counts as "else"):
# together they are the whole text, letters and others alternating.
_PLACEHOLDERS = r"\[(?:EMAIL|IBAN|NIR|PHONE|DATE|ID|NAME)\]"
_PIECES = rf"\pL+|(?:{_PLACEHOLDERS}|[^\pL])+"
_CASED = r"^\p{Lu}(?:\p{Ll}+|\p{Lu}+)$"  # "Martin", "MARTIN"; not "mARTIN", not "M"
_JOINED = r"^[ \u00a0-]$"  # one space or a hyphen between two parts of one name
_AFTER_TITLE = r"^\.?\s{1,2}$|^\.$"  # "Dr Martin", "M. Martin", "Dr.Martin"

# What a piece is, one bit each, computed once per distinct piece.
_WORD, _CASED_BIT, _UPPER, _CAPITALISED = 1, 2, 4, 8
_KNOWN, _FIRST, _PLAIN, _LONG = 16, 32, 64, 128
_TITLE, _PARTICLE, _HEAD, _OF, _TAIL, _S = 256, 512, 1024, 2048, 4096, 8192
_JOINS, _OPENS = 16384, 32768  # separators: within one name; between a title and a name
_SAINT, _HYPHEN, _SHOUT, _LONGER = 65536, 131072, 262144, 524288
_PART_SHIFT = 1 << 20  # the bits above hold the id of a word of an eponym (eponym_pairs)
_PART_BASE = 1 << 12  # at most 4,095 such words


def fold(words: pl.Expr) -> pl.Expr:
    """Upper case without accents, ligatures spelt out: the form names are compared in."""
    upper = words.str.to_uppercase().str.replace_many(["Œ", "Æ", "ß"], ["OE", "AE", "SS"])
    return upper.str.normalize("NFD").str.replace_all(r"\p{Mn}", "")


def _folded(words: tuple[str, ...] | list[str]) -> frozenset[str]:
    series = pl.Series(list(words), dtype=pl.String)
    tokens = pl.select(fold(pl.lit(series)).str.extract_all(r"\pL+")).to_series().explode()
    return frozenset(tokens.drop_nulls().to_list())


@cache
def lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(every name token, the first-name tokens), folded, of two letters or more."""
    first = _folded(load_words("first_names"))
    every = first | _folded(load_words("surnames"))
    return (
        frozenset(w for w in every if len(w) >= 2),
        frozenset(w for w in first if len(w) >= 2),
    )


@cache
def name_words() -> frozenset[str]:
    """The names that are also words of lab comments (``name_words.txt``), folded."""
    text = resources.files(__package__).joinpath("name_words.txt").read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return _folded([line for line in lines if line and not line.startswith("#")])


@cache
def eponym_pairs() -> tuple[dict[str, int], frozenset[int]]:
    """(an id for each word of an eponym or place, the pairs of ids written one after the
    other in one): from ``eponyms.txt`` and the health lexicon's terms that hold a name."""
    text = resources.files(__package__).joinpath("eponyms.txt").read_text(encoding="utf-8")
    phrases = [line.strip() for line in text.splitlines()]
    phrases = [line for line in phrases if line and not line.startswith("#")]
    every, _ = lexicon()
    names = {w for w in every - name_words() if len(w) >= _MIN_UNLISTED} | set(_TITLES)
    for entry in load_lexicon().entries:
        phrases += [t for t in entry.terms if _folded([t]) & names]
    folded = pl.select(fold(pl.lit(pl.Series(phrases, dtype=pl.String))).str.extract_all(r"\pL+"))
    sequences = [words for words in folded.to_series().to_list() if len(words) >= 2]
    ids = {word: index for index, word in enumerate(sorted({w for s in sequences for w in s}), 1)}
    pairs = {
        ids[a] * _PART_BASE + ids[b] for words in sequences for a, b in itertools.pairwise(words)
    }
    return ids, frozenset(pairs)


@cache
def _triggers() -> tuple[list[str], str]:
    """What a text must hold to be worth cutting into words: a name that goes on its own,
    written with a capital (as listed, capitalised or in capitals; accents or not), for a
    multi-string search; or a title, for a small regex."""
    every, _ = lexicon()
    names = pl.Series([*load_words("first_names"), *load_words("surnames")], dtype=pl.String)
    words = names.str.extract_all(r"\pL+").explode().drop_nulls()
    words = pl.concat([words, pl.select(fold(pl.lit(words))).to_series()])
    forms = pl.concat([words.str.to_lowercase().str.to_titlecase(), words.str.to_uppercase()])
    keys = pl.select(fold(pl.lit(forms))).to_series()
    alone = keys.is_in(pl.Series(sorted(every - name_words())).implode()) & (
        keys.str.len_chars() >= _MIN_UNLISTED
    )
    plain = [t for t in _TITLES if t not in _CAPITAL_TITLES]
    titles = (
        r"(?-u:\b)(?:(?i:"
        + "|".join(plain)
        + ")|"
        + "|".join(t.title() for t in _CAPITAL_TITLES)
        + r"|MM|MS)(?-u:\b)"
    )
    return sorted(set(forms.filter(alone).to_list())), titles


def redact_names(texts: pl.Series) -> pl.Series:
    """Each name in the texts replaced by ``[NAME]`` (one for a whole name); nulls stay."""
    forms, titles = _triggers()
    worth = (texts.str.contains_any(forms) | texts.str.contains(titles)).fill_null(False)
    where = worth.arg_true()
    if where.len() == 0:
        return texts
    chosen = texts.gather(where)
    pieces = chosen.str.extract_all(_PIECES)
    lengths = pieces.list.len()
    counts = lengths.to_numpy()
    capitals = (~chosen.str.contains(r"\p{Ll}")).to_numpy()  # typed in capitals
    flat = pl.DataFrame(
        {
            "id": np.repeat(np.arange(chosen.len(), dtype=np.uint32), counts),
            "piece": pieces.explode().drop_nulls(),  # an empty text has no piece
            "capitals": np.repeat(capitals, counts),
        }
    )
    flat = flat.with_columns(mask=_masks(flat.get_column("piece")))
    name = _judge(flat)
    out = flat.select(pl.when(name).then(pl.lit(NAME)).otherwise(pl.col("piece"))).to_series()
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths.to_numpy())]), type=pa.int64())
    rebuilt = pc.binary_join(
        pa.LargeListArray.from_arrays(offsets, out.to_arrow()), pa.scalar("", pa.large_string())
    )
    # pyarrow's stubs allow a scalar back; binary_join over a list array gives an array
    redacted = pl.Series(rebuilt, dtype=pl.String)  # type: ignore[arg-type]
    redacted = redacted.str.replace_all(r"\[NAME\](?:[ \u00a0-]+\[NAME\])+", NAME)
    redacted = redacted.str.replace_all(r"(^|[^\pL])\p{Lu}['’]\[NAME\]", "${1}[NAME]")
    return texts.clone().scatter(where, redacted)  # scatter writes in place


def _masks(pieces: pl.Series) -> pl.Series:
    """Each piece's bits, computed once per distinct piece.

    The pieces are numbered through a categorical of their own (not the process-wide one,
    which would keep every comment's words in memory), and each number's bits looked up."""
    every, first = lexicon()
    numbered = pieces.cast(pl.Categorical(pl.Categories.random()))
    distinct_numbered = numbered.unique()
    distinct = distinct_numbered.cast(pl.String)
    piece, key = pl.col("piece"), pl.col("key")

    def bit(condition: pl.Expr, value: int) -> pl.Expr:
        return pl.when(condition.fill_null(False)).then(value).otherwise(0)

    def listed(words: frozenset[str] | tuple[str, ...]) -> pl.Expr:
        return key.is_in(pl.Series(sorted(words), dtype=pl.String).implode())

    table = pl.DataFrame({"piece": distinct}).with_columns(
        key=pl.when(piece.str.contains(r"^\pL")).then(fold(piece))
    )
    bits = table.select(
        "piece",
        mask=pl.sum_horizontal(
            bit(key.is_not_null(), _WORD),
            bit(piece.str.contains(_CASED), _CASED_BIT),
            bit(piece.str.contains(r"^\p{Lu}{3,}$"), _UPPER),
            bit(piece.str.contains(r"^\p{Lu}\p{Ll}+$"), _CAPITALISED),
            bit(listed(every), _KNOWN),
            bit(listed(first), _FIRST),
            bit(listed(name_words()) | (key.str.len_chars() < _MIN_UNLISTED), _PLAIN),
            bit(key.str.len_chars() >= _MIN_UNLISTED, _LONG),
            bit(
                listed(_TITLES) & (~listed(_CAPITAL_TITLES) | piece.str.contains(r"^\p{Lu}")),
                _TITLE,
            ),
            bit(listed(_PARTICLES) & piece.str.contains(r"^\p{Ll}"), _PARTICLE),
            bit(listed(_EPONYM_HEADS + _PLACE_HEADS), _HEAD),
            bit(listed(_OF_WORDS), _OF),
            bit(listed(_ENGLISH_TAILS), _TAIL),
            bit(key == "S", _S),
            bit(piece.str.contains(_JOINED), _JOINS),
            bit(piece.str.contains(_AFTER_TITLE), _OPENS),
            bit(listed(_SAINTS), _SAINT),
            bit(piece == "-", _HYPHEN),
            bit(piece.str.contains(r"^\p{Lu}{2,}$"), _SHOUT),
            bit(key.str.len_chars() > _MIN_UNLISTED, _LONGER),
        ).cast(pl.UInt32),
    )
    ids, _ = eponym_pairs()
    part = key.replace_strict(ids, default=0, return_dtype=pl.UInt32) * _PART_SHIFT
    bits = bits.with_columns(mask=pl.col("mask") + table.select(part.fill_null(0)).to_series())
    numbers = distinct_numbered.to_physical().to_numpy()
    by_number = np.zeros(int(numbers.max(initial=0)) + 1, dtype=np.uint32)
    by_number[numbers] = bits.get_column("mask").to_numpy()
    return pl.Series(by_number[numbered.to_physical().to_numpy()], dtype=pl.UInt32)


_OFFSETS = (1, 2, 4, -1, -2, -4)  # the neighbours a rule reads: a separator, a word, two words


def _neighbours(flat: pl.DataFrame) -> pl.DataFrame:
    """Adds each neighbour's mask (0 past a text's ends) and whether it is in the same text."""
    same = {k: (pl.col("id").shift(k) == pl.col("id")).fill_null(False) for k in _OFFSETS}
    return flat.with_columns(
        *(same[k].alias(f"same{k:+d}") for k in _OFFSETS),
        *(
            pl.when(same[k]).then(pl.col("mask").shift(k)).otherwise(0).alias(f"mask{k:+d}")
            for k in _OFFSETS
        ),
    )


def _has(bit: int, offset: int = 0) -> pl.Expr:
    """Whether the piece ``offset`` pieces before (after, when negative) in the same text has
    the bit; False past a text's ends."""
    return (pl.col("mask" if offset == 0 else f"mask{offset:+d}") & bit) != 0


def _near(flag: str, offset: int) -> pl.Expr:
    """The flag column's value ``offset`` pieces before (after, when negative); False past a
    text's ends."""
    return pl.col(flag).shift(offset).fill_null(False) & pl.col(f"same{offset:+d}")


def _judge(flat: pl.DataFrame) -> pl.Series:
    """Whether each piece is (part of) a name, from its own bits and its neighbours'."""
    frame = _kept(_neighbours(flat))
    word, cased, title, kept = _has(_WORD), _has(_CASED_BIT), _has(_TITLE), pl.col("kept")
    joined_before, joined_after = _has(_JOINS, 1), _has(_JOINS, -1)
    after_title = _has(_TITLE, 2) & _has(_OPENS, 1)
    # a particle carries a name on only to a capitalised word: "M. de Sousa", not "Mme X le 12"
    particle = _has(_PARTICLE) & (
        _has(_CASED_BIT, -2) | (_has(_PARTICLE, -2) & _has(_CASED_BIT, -4))
    )
    # after a word in capitals, a capital says nothing ("COPIE AU DR TRAITANT"), nor do capitals
    # on a short word ("envoyer au Dr. NIR ...": acronyms)
    capital_says = cased & ~_has(_SHOUT, 2) & (_has(_CAPITALISED) | _has(_LONGER))
    by_title = (
        after_title
        & ~title
        & ~kept
        & (capital_says | (_has(_KNOWN) & (_has(_LONG) | cased)) | particle)
    )
    by_lexicon = _has(_KNOWN) & cased & ~_has(_PLAIN) & ~kept & ~title
    frame = frame.with_columns(
        titled=by_title,
        name=by_title | by_lexicon,
        goes_on=joined_before & (capital_says | _has(_KNOWN) | particle) & ~title,
    )
    for _ in range(2):  # "Dr Jean-Marc Kowalczyk", "M. de La Fontaine": the name goes on
        goes_on = _near("titled", 2) & pl.col("goes_on")
        frame = frame.with_columns(titled=pl.col("titled") | goes_on, name=pl.col("name") | goes_on)
    frame = frame.with_columns(named_first=pl.col("name") & _has(_FIRST))
    first_before = _near("named_first", 2) & joined_before
    first_after = _near("named_first", -2) & joined_after
    beside = ~pl.col("capitals") & ~kept & ~title
    pair = (
        (first_before & _has(_CAPITALISED))  # Marie Kowalczyk
        | (first_after & _has(_UPPER))  # KOWALCZYK Marie
        | (first_before & _has(_UPPER))  # Marie KOWALCZYK
    )
    frame = frame.with_columns(name=pl.col("name") | (beside & pair))
    name_beside = (_near("name", 2) & joined_before) | (_near("name", -2) & joined_after)
    listed_pair = _has(_KNOWN) & cased & ~kept & name_beside  # PETIT Marie
    return frame.select((pl.col("name") | listed_pair) & word).to_series()


def _kept(frame: pl.DataFrame) -> pl.DataFrame:
    """Adds ``kept``: words that name a disease, a test or a place of care, never a person, by
    their context: after a head word ("maladie de", "Institut"), before "disease" or "'s
    disease", in a listed eponym ("Guillain-Barré"), and the capitalised words joined to them
    ("Charcot-Marie-Tooth", "Institut Gustave Roussy")."""
    head = _has(_HEAD, 2) | (_has(_OF, 2) & _has(_HEAD, 4)) | (_has(_SAINT, 2) & _has(_HYPHEN, 1))
    english = _has(_TAIL, -2) | (_has(_S, -2) & _has(_TAIL, -4))
    _, pairs = eponym_pairs()
    listed = pl.Series(sorted(pairs), dtype=pl.UInt64).implode()
    part, before, after = (
        (pl.col(column) // _PART_SHIFT).cast(pl.UInt64) for column in ("mask", "mask+2", "mask-2")
    )
    with_next = (part * _PART_BASE + after).is_in(listed) & _has(_JOINS | _OPENS, -1)
    with_previous = (before * _PART_BASE + part).is_in(listed) & _has(_JOINS | _OPENS, 1)
    frame = frame.with_columns(
        kept=_has(_WORD) & (head | english | with_next | with_previous),
        joins_kept=_has(_CASED_BIT) & _has(_JOINS, 1),
    )
    for _ in range(2):  # two more words at most
        frame = frame.with_columns(kept=pl.col("kept") | (_near("kept", 2) & pl.col("joins_kept")))
    return frame
