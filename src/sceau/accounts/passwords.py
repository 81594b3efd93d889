"""What a password must be (OWASP ASVS 5.0, V6.2): long, not common, not the account's name.

No composition rules (no "one digit, one capital"): they make passwords harder to remember
and no harder to guess. Length is counted in characters (code points after NFC), so a
passphrase in any language counts as it reads. Refused:

- fewer than :data:`MIN_LENGTH` characters, or more than :data:`MAX_LENGTH` (a pasted file);
- only spaces, or one character repeated;
- the account's name inside, in any case;
- one of the 30,000 most common passwords zxcvbn ships (from leaked password lists), whole,
  once the digits and signs around it are set aside (``password1234!``), or repeated.

The error names the rule that was broken, never the password.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from sceau.accounts.errors import AccountError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # Argon2 takes any length; this only stops a pasted file
_AROUND = "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


class PasswordRefused(AccountError):
    """The password breaks one of the rules; ``rule`` names which, for tests and hints."""

    def __init__(self, rule: str, message: str, *, hint: str, where: str = "") -> None:
        super().__init__(message, hint=hint, where=where)
        self.rule = rule


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of the most common passwords, lower case, read once."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(str(word).casefold() for word in FREQUENCY_LISTS["passwords"])


def check_password_rules(name: str, password: str) -> None:
    """Refuse a password for the account ``name`` that breaks a rule (:class:`PasswordRefused`)."""
    length = len(unicodedata.normalize("NFC", password))
    hint = "use a passphrase of several words, or a password manager's output"
    if length < MIN_LENGTH:
        raise PasswordRefused(
            "too-short", f"the password is shorter than {MIN_LENGTH} characters", hint=hint
        )
    if length > MAX_LENGTH:
        raise PasswordRefused(
            "too-long",
            f"the password is longer than {MAX_LENGTH} characters",
            hint="use a shorter passphrase",
        )
    if not password.strip():
        raise PasswordRefused("blank", "the password is only blanks (spaces, tabs)", hint=hint)
    if len(set(password)) == 1:
        raise PasswordRefused("one-character", "the password is one character repeated", hint=hint)
    if name and name.casefold() in password.casefold():
        raise PasswordRefused(
            "contains-name",
            "the password contains the account name",
            hint="choose a password that does not contain the name",
        )
    if _is_common(password):
        raise PasswordRefused(
            "common",
            "the password is one of the most common passwords (it is in leaked password lists)",
            hint="attackers try those first: " + hint,
        )


def _is_common(password: str) -> bool:
    words = common_passwords()
    folded = password.casefold()
    core = folded.strip(_AROUND)
    return any(candidate in words for candidate in {folded, core, _unit(folded), _unit(core)})


def _unit(text: str) -> str:
    """The shortest piece ``text`` repeats (``abcabc`` → ``abc``), or ``text`` itself."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text
