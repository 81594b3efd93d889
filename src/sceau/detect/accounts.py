"""Logins told apart from passwords by how people make them, not by one cell's shape.

The login and password detectors both match a token such as ``dubois170203``: a shape alone
cannot say which it is. A column can, by the share of its values that carry the marks of
each:

- a login is *derived from a name* (every run of letters a first name or surname of the
  lexicons, or an initial: ``jdupont``, ``marie.dupont2``, ``Dubois170203``), or is an e-mail
  address; under a login header, a number or any lower-case token also fits;
- a password *mixes cases inside a word* (``tiTi``), holds a *symbol* (``!``, ``*``, ``#``),
  *alternates* letters and digits (``x7k2m9``), or is one of the *passwords every leak tops*
  (``azerty``, ``123456``; names aside);
- neither is a code: when one value covers a fifth of the rows or more (a lab's code, an
  export batch's), or one form covers half the values (``Patient/D2019-000123``, ``u123456``:
  letters as ``a``, digits as ``9``) that names do not explain, the column holds codes or
  references, not credentials.

Every figure is a share of the sampled values, never a count, so the verdict does not move with
the size of the file or of the sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import polars as pl

from sceau.detect.base import Category
from sceau.detect.identifiers._arith import strip_accents
from sceau.detect.lexicons import load_words

CODE_SHARE = 0.2  # one value on this share of the rows or more: a code, not credentials
FORM_SHARE = 0.5  # one form (digits as 9, letters as a) on this share: codes, not credentials
BEST = 0.95  # the highest score the marks give: a verdict already this sure stands
_EVIDENCE = 0.3  # the marks of one kind on this share of the values make the verdict
_MOST = 0.5  # most values: a login header yields to this share of password marks; a login
# verdict needs this share of login forms
_STRONG = 0.1  # values with a symbol or an inner capital: no column of logins has this many
_SOME = 0.2  # with them, this share of password marks is enough
_MIN_NAME = 3  # letters of a name a login is derived from ("li", "le" prove nothing)
_TOKEN = r"^[!-~]{3,64}$"  # noqa: S105  (a pattern: one printable token, 3-64 characters)
_SYMBOL = r"[^A-Za-z0-9._-]"  # an @ too, outside an e-mail address
_EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
_LOWER_LOGIN = r"^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$"


@dataclass(frozen=True)
class AccountProfile:
    """Shares of the sampled values with each mark (0 to 1)."""

    named: float  # derived from a first name or surname, with an initial, digits or a joiner
    email: float
    # any form a login may take once a header says login: named, an e-mail address, 4 digits
    # or more, a lower-case token with no mark of a password (soleil2019, chat_noir)
    login_form: float
    password: float  # a mark of a password: inner mixed case, symbol, alternation, common
    strong: float  # the marks no login carries: a symbol, or a capital inside a word
    top_share: float  # share of the most common value
    top_form: float  # share of the most common form, digits as 9 and letters as a

    @property
    def login_marks(self) -> float:
        """Forms only a login takes (without a header): name-derived or an e-mail address."""
        return self.named + self.email  # never both: a name-derived value has no @

    @property
    def is_code(self) -> bool:
        """One value on many rows, or one form on most values (unless names make the form)."""
        regular = self.top_form >= FORM_SHARE and self.login_marks < _EVIDENCE
        return self.top_share >= CODE_SHARE or regular


def account_profile(values: pl.Series) -> AccountProfile:
    """The marks of logins and passwords over non-empty values, each distinct value once."""
    frame = values.rename("v").value_counts(name="n")
    total = frame["n"].sum()
    marks = _marked(frame.lazy())
    shares = marks.select(
        *((pl.col("n").filter(pl.col(c)).sum() / total).alias(c) for c in _MARKS),
        (pl.col("n").max() / total).alias("top_share"),
    )
    forms = frame.lazy().group_by(_form(pl.col("v"))).agg(pl.col("n").sum())
    top_form = forms.select((pl.col("n").max() / total).alias("top_form"))
    row = pl.concat([shares, top_form], how="horizontal").collect().row(0, named=True)
    return AccountProfile(**{name: float(share or 0.0) for name, share in row.items()})


_MARKS = ("named", "email", "login_form", "password", "strong")


def _form(v: pl.Expr) -> pl.Expr:
    return v.str.replace_all("[0-9]", "9").str.replace_all("[A-Za-z]", "a")


def _marked(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Each mark as a column, in stages, so that no expression is computed twice."""
    v = pl.col("v")
    frame = frame.with_columns(
        token=v.str.contains(_TOKEN),
        email=v.str.contains(_EMAIL),
        raw_symbol=v.str.contains(_SYMBOL),
        derived=_name_derived(v),
    )
    frame = frame.with_columns(
        named=pl.col("token") & ~pl.col("raw_symbol") & pl.col("derived"),
        symbol=pl.col("raw_symbol") & ~pl.col("email"),
    )
    common = pl.col("token") & ~pl.col("named") & v.str.to_lowercase().is_in(_common().implode())
    frame = frame.with_columns(common=common)
    inner_case = v.str.contains(r"[a-z][A-Z]")
    alternating = v.str.count_matches(r"[A-Za-z][0-9]|[0-9][A-Za-z]") >= 3
    marked = pl.col("symbol") | inner_case | alternating | pl.col("common")
    frame = frame.with_columns(
        password=pl.col("token") & ~pl.col("named") & marked,
        strong=pl.col("token") & ~pl.col("named") & (pl.col("symbol") | inner_case),
    )
    lower = pl.col("token") & ~pl.col("password") & v.str.contains(_LOWER_LOGIN)
    numeric = v.str.contains(r"^[0-9]{4,}$")
    login_form = pl.col("named") | pl.col("email") | lower | numeric
    return frame.with_columns(login_form=login_form).with_columns(pl.col(_MARKS).fill_null(False))


def _name_derived(v: pl.Expr) -> pl.Expr:
    """Every run of letters is a name of the lexicons or an initial, at least one a name, and
    the value is more than a bare name (digits, a joiner, or an initial glued to the name)."""
    split = strip_accents(v).str.replace_all(r"([a-z])([A-Z])", "${1}.${2}").str.to_lowercase()
    runs = split.str.extract_all(r"[a-z]+")
    names = _names().implode()
    known = runs.list.eval(pl.element().is_in(names)).list.sum()
    initials = runs.list.eval(pl.element().str.len_chars() == 1).list.sum()
    all_named = (known >= 1) & (known + initials == runs.list.len())
    joined = split.str.contains(r"[0-9._-]") | (initials >= 1)
    glued = runs.list.len() == 1  # one run: an initial glued to a name, jdupont or dupontj
    only = runs.list.first()
    long_enough = only.str.len_chars() > _MIN_NAME
    with_initial = only.str.slice(1).is_in(names) | only.str.head(-1).is_in(names)
    return (all_named & joined) | (glued & long_enough & with_initial)


@cache
def _names() -> pl.Series:
    """First names and surnames of the lexicons, lower case, accent-free, one word each."""
    words = pl.Series(load_words("first_names") + load_words("surnames"), dtype=pl.String)
    runs = pl.select(strip_accents(pl.lit(words)).str.to_lowercase().str.extract_all("[a-z]+"))
    flat = runs.to_series().explode().drop_nulls()
    return flat.filter(flat.str.len_chars() >= _MIN_NAME).unique()


@cache
def _common() -> pl.Series:
    return pl.Series(load_words("common_passwords"), dtype=pl.String)


@dataclass(frozen=True)
class AccountVerdict:
    """LOGIN or PASSWORD from the values, how strongly, and why in plain words."""

    category: Category
    score: float
    detail: str


def verdict(profile: AccountProfile, header: Category | None) -> AccountVerdict | None:
    """What the marks say, given what the header says (LOGIN, PASSWORD or something else).

    A password header is believed; a login header is believed unless most values carry a
    password's marks (a credential in clear is the graver reading). Without either, a column
    of codes is no credential, and otherwise the marks decide when they are clear.
    """
    login, password = profile.login_marks, profile.password
    if header is Category.PASSWORD:
        return None  # the header's own support is the password detector's share
    if header is Category.LOGIN:
        if password >= _MOST and password > profile.login_form:
            return AccountVerdict(Category.PASSWORD, _score(password), said(profile))
        return None
    if profile.is_code:
        return None
    if password >= _EVIDENCE and password > login:
        return AccountVerdict(Category.PASSWORD, _score(password), said(profile))
    if profile.strong >= _STRONG and password >= _SOME and password > login:
        # a few values no login would be ("%$s5&Vs4K"), among weak ones ("soleil1742"): users'
        # passwords, strong and weak; a column of logins holds none of the first kind
        return AccountVerdict(Category.PASSWORD, _score(password), said(profile))
    if login >= _EVIDENCE and login > password and profile.login_form >= _MOST:
        return AccountVerdict(Category.LOGIN, _score(login), said(profile))
    return None


def _score(share: float) -> float:
    """A shape alone (0.45, the detectors' strength), raised by the share of marks."""
    return 0.45 + (BEST - 0.45) * share


def said(profile: AccountProfile) -> str:
    """The marks in plain words, for the evidence a user reads."""
    return (
        f"{profile.named:.0%} of values derived from a name, {profile.email:.0%} e-mail "
        f"addresses, {profile.password:.0%} with a password's marks (mixed case, symbols, "
        f"letters and digits alternating, a common password); the most common value on "
        f"{profile.top_share:.1%} of rows, the most common form on {profile.top_form:.0%}"
    )
