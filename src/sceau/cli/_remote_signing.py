"""Signing as a client of ``sceau serve``: the key file and its passphrase stay on this machine;
the service gets the public half of a new key (``POST /api/signers``) and signed mandates
(``POST /api/mandates``), each after the person gave their password and code again."""

from __future__ import annotations

import base64
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sceau.cli._reauth import CODE_PROMPT, NEXT_CODE_PROMPT, read_code
from sceau.cli._remote import Remote
from sceau.cli.users import read_password
from sceau.crypto import signing
from sceau.mandate.model import MandateError
from sceau.mandate.sign import signature_of
from sceau.mandate.signature import signature_document, signature_path, write_private_file
from sceau.mandate.signers import KEY_SUFFIX, load_signer_key, write_signer_key


def account_of(remote: Remote) -> str:
    """The name of the account whose token this machine holds."""
    return str(remote.json("GET", "/auth/me")["user"])


def proven(remote: Remote, from_stdin: bool) -> AbstractContextManager[Callable[..., Any]]:
    """A fresh session at the service (see :meth:`Remote.fresh`), the password and codes read
    here."""
    password = read_password(from_stdin)
    return remote.fresh(
        password,
        lambda: read_code(from_stdin, CODE_PROMPT),
        lambda: read_code(from_stdin, NEXT_CODE_PROMPT),
    )


def register_key(
    remote: Remote,
    folder: Path,
    *,
    user: str,
    suffix: str,
    passphrase: Callable[[bool], str],
    from_stdin: bool,
) -> tuple[str, Path, bool]:
    """Make ``user``'s key file in ``folder`` unless it exists, and register its public half at
    the service unless it is registered already: (its fingerprint, its file, whether it was
    registered now). ``passphrase(confirm)`` reads the key's passphrase; a key file made here
    and refused by the service is removed."""
    path = folder / f"{user}{'-' + suffix if suffix else ''}{KEY_SUFFIX}"
    made = not path.exists()
    if made:
        key, path = write_signer_key(passphrase(True), folder, user=user, suffix=suffix)
    else:
        key = load_signer_key(path, passphrase(False))
    public = signing.public_bytes(key)
    fingerprint = signing.fingerprint(public)
    known = remote.json("GET", "/api/signers")["signers"]
    if any(s["fingerprint"] == fingerprint and s["user"] == user for s in known):
        return fingerprint, path, False
    try:
        with proven(remote, from_stdin) as send:
            send("POST", "/api/signers", json={"public_key": base64.b64encode(public).decode()})
    except BaseException:
        if made:
            path.unlink(missing_ok=True)
        raise
    return fingerprint, path, True


def sign_at_service(
    remote: Remote,
    mandate: Path,
    body: bytes,
    mandate_id: str,
    key_path: Path,
    *,
    user: str,
    passphrase: str,
    announce: Callable[[str, str], None],
) -> dict[str, Any]:
    """Sign ``body`` here with the key file, hand it to the service, and write the signature
    beside the mandate once the service kept it; the service's answer."""
    key = load_signer_key(key_path, passphrase)
    announce(user, signing.fingerprint(signing.public_bytes(key)))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MandateError("a mandate is UTF-8 text", where=str(mandate)) from None
    with proven(remote, from_stdin=False) as send:
        signed = signature_of(body, mandate_id, key, signer=user, moment=datetime.now(UTC))
        document = signature_document(signed)
        kept: dict[str, Any] = send(
            "POST", "/api/mandates", json={"mandate": text, "signature": document}
        )
    write_private_file(signature_path(mandate), document.encode("utf-8"), overwrite=True)
    return kept
