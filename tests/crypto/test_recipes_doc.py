"""docs/recipes.md's shell recipes, run as written against a real signature and certificate:
OpenSSL says yes to the genuine files and no to a changed byte, so the page cannot drift."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.mandate import EXAMPLE, NOW, PASSPHRASE, accounts, write

from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog
from sceau.crypto.signing import public_pem
from sceau.mandate.sign import sign_mandate
from sceau.mandate.signers import new_signer
from sceau.store import open_store

DOC = (Path(__file__).parents[2] / "docs" / "recipes.md").read_text()
VERIFIED = "Signature Verified Successfully"

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("openssl", "jq", "sha256sum", "base64")),
    reason="the recipes use OpenSSL, jq, sha256sum and base64",
)


def recipe(first_line: str) -> str:
    """The ```sh block of the page that starts with ``first_line``."""
    blocks = re.findall(r"```sh\n(.*?)```", DOC, flags=re.DOTALL)
    (found,) = [block for block in blocks if block.startswith(first_line)]
    return found


def run(script: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script], cwd=folder, capture_output=True, text=True, check=False
    )


@pytest.fixture
def signed_mandate(tmp_path: Path) -> Path:
    """lab-a.toml, its .sig and claire.pem in one folder, as a controller hands them over."""
    engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    events = AuditLog(engine, AuditKey.generate())
    accounts(engine, events)
    signer = new_signer(engine, events, PASSPHRASE, tmp_path / "keys", user="claire")
    assert signer.path is not None
    folder = tmp_path / "handed"
    folder.mkdir()
    path = write(folder / "lab-a.toml", EXAMPLE)
    sign_mandate(path, signer.path, PASSPHRASE, engine, events, user="claire", now=NOW)
    (folder / "claire.pem").write_text(public_pem(signer.public_key))
    engine.dispose()
    return folder


def test_the_mandate_recipe_checks_a_signature_and_refuses_a_changed_byte(signed_mandate):
    script = recipe("# mandate:")
    done = run(script, signed_mandate)
    assert VERIFIED in done.stdout, done.stderr
    fingerprint = json.loads((signed_mandate / "lab-a.toml.sig").read_text())["fingerprint"]
    assert done.stdout.splitlines()[-1].split()[0] == fingerprint
    mandate = signed_mandate / "lab-a.toml"
    mandate.write_bytes(mandate.read_bytes().replace(b"2019-2020 records", b"2019-2021 records"))
    assert VERIFIED not in run(script, signed_mandate).stdout


def test_the_certificate_recipe_checks_a_certificate_and_its_pinned_key(certificate, tmp_path):
    script = recipe("# certificate:")
    path = tmp_path / "certificate.json"
    path.write_text(json.dumps(certificate, indent=2, ensure_ascii=False) + "\n")
    (tmp_path / "pinned.fingerprint").write_text(certificate["signature"]["fingerprint"] + "\n")
    done = run(script, tmp_path)
    assert done.stdout.split("\n")[:2] == [VERIFIED, "Pinned key"], done.stderr
    (tmp_path / "pinned.fingerprint").write_text("0" * 64 + "\n")
    assert "Pinned key" not in run(script, tmp_path).stdout
    certificate["rows"]["loaded"] += 1
    path.write_text(json.dumps(certificate, indent=2, ensure_ascii=False) + "\n")
    assert VERIFIED not in run(script, tmp_path).stdout
