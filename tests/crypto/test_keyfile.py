"""Both key files (audit, MFA) are read by one recipe: made once, private, refused in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from sceau.accounts.mfa_key import MfaKeyError, load_mfa_key
from sceau.audit.key import AuditKeyError, load_audit_key
from sceau.errors import SceauError

LOADERS = [(load_audit_key, AuditKeyError, "audit key"), (load_mfa_key, MfaKeyError, "MFA key")]


@pytest.mark.parametrize(("load", "error", "what"), LOADERS)
def test_a_key_file_is_made_once_private_and_refused_when_others_may_read_it(
    tmp_path: Path, load, error: type[SceauError], what: str
) -> None:
    path = tmp_path / "home" / "key"
    with pytest.raises(error, match=f"there is no {what}"):
        load(path, create=False)
    assert not path.exists()
    load(path)
    made = path.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    load(path)
    assert path.read_bytes() == made  # read, never made again
    path.chmod(0o640)
    with pytest.raises(error, match="can be read by others") as refused:
        load(path)
    assert (
        refused.value.hint
        == f"run `chmod 600 {path}`, and tell security if it may have been copied"
    )


@pytest.mark.parametrize(("load", "error", "what"), LOADERS)
def test_a_key_file_that_cannot_be_read_is_refused_in_words(
    tmp_path: Path, load, error: type[SceauError], what: str
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_bytes(b"")
    with pytest.raises(error, match=f"cannot read the {what}") as refused:
        load(blocked / "key")
    assert "readable by the account sceau runs as" in refused.value.hint
