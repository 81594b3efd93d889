"""Stored password hashes: modular-crypt, Django and bare hex digests."""

from __future__ import annotations

from sceau.detect.base import Category, Detector

_B64 = r"[./A-Za-z0-9]"
_STD64 = r"[A-Za-z0-9+/]"
_FORMS = (
    rf"\$2[abxy]?\$[0-9]{{2}}\${_B64}{{53}}",  # bcrypt
    # argon2, argon2i, argon2id
    rf"\$argon2(?:id|i|d)\$(?:v=[0-9]+\$)?m=[0-9]+,t=[0-9]+,p=[0-9]+\${_STD64}+\${_STD64}+",
    rf"\$[156]\$(?:rounds=[0-9]+\$)?{_B64}{{0,16}}\${_B64}{{22,86}}",  # md5/sha256/sha512-crypt
    rf"\$y\${_B64}+\${_B64}+\${_B64}+",  # yescrypt
    rf"\$7\${_B64}{{14,}}\${_B64}{{43}}",  # scrypt, libsodium/crypt form
    rf"\$scrypt\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\${_STD64}+\${_STD64}+",  # scrypt, passlib form
    rf"scrypt\$[^$\s]+\$[0-9]+\$[0-9]+\$[0-9]+\${_STD64}+=*",  # scrypt, Django form
    r"(?:pbkdf2_sha(?:1|256|512)|argon2|bcrypt_sha256|bcrypt)\$[^\s]+",  # Django's hashers
    r"\$pbkdf2(?:-sha(?:256|512))?\$[0-9]+\$[./A-Za-z0-9+]+\$[./A-Za-z0-9+]+",  # passlib pbkdf2
    r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128}",  # MD5/SHA-1/SHA-2 hex
)


class PasswordHash(Detector):
    """A bcrypt, argon2, scrypt, PBKDF2, crypt(3) hash, or a bare 32/40/64/128-hex digest.

    A bare hex digest may also be any other hash or a dash-less UUID: the header decides."""

    name = "password_hash"
    category = Category.PASSWORD_HASH
    pattern = "|".join(f"(?:{form})" for form in _FORMS)
