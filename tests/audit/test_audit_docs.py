"""docs/audit.md and docs/configuration.md say what the code does (docs cannot drift).

The recipe the page gives is re-implemented here from its words alone, with hashlib and the
cryptography library as oracles, and must recompute a real trail's seals, head and checkpoints.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from hashlib import blake2b, sha256
from pathlib import Path

import click
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select

from sceau.audit.key import AuditKey
from sceau.audit.proof import CONSISTENCY, INCLUSION, make_proof
from sceau.audit.sink import AuditLog
from sceau.cli.audit import audit
from sceau.cli.witness import witness
from sceau.config import Settings
from sceau.events import EVENTS, DriftRefused, LoginSucceeded
from sceau.store import open_store
from sceau.store.schema import audit_checkpoints, audit_entries, audit_head

DOCS = Path(__file__).parents[2] / "docs"
AUDIT = (DOCS / "audit.md").read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")
AUDIT_SETTINGS = [
    "audit_origin",
    "audit_key",
    "audit_checkpoint_every",
    "audit_checkpoint_minutes",
    "audit_export",
]


def section(title: str) -> str:
    heading = f"\n### {title}\n"
    assert heading in AUDIT, f"docs/audit.md has no section {title!r}"
    return AUDIT.split(heading, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]


@pytest.mark.parametrize("name", sorted(audit.commands))
def test_every_audit_command_has_a_section_with_an_example_and_its_options(name: str) -> None:
    text = section(f"sceau audit {name}")
    assert f"sceau audit {name}" in text.split("```sh", 1)[1].split("```", 1)[0]
    for parameter in audit.commands[name].params:
        if isinstance(parameter, click.Option):
            assert any(option in text for option in parameter.opts), (
                f"the section of sceau audit {name} does not show {parameter.opts[0]}"
            )


@pytest.mark.parametrize("name", sorted(witness.commands))
def test_every_witness_command_has_a_section_with_an_example_and_its_options(name: str) -> None:
    text = section(f"sceau audit witness {name}")
    assert f"sceau audit witness {name}" in text.split("```sh", 1)[1].split("```", 1)[0]
    for parameter in witness.commands[name].params:
        if isinstance(parameter, click.Option):
            assert any(option in text for option in parameter.opts), (
                f"the section of sceau audit witness {name} does not show {parameter.opts[0]}"
            )


def test_every_event_is_listed_with_what_it_holds() -> None:
    table = AUDIT.split("## What the trail holds", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in EVENTS if f"`{name}`" not in table]
    assert not missing, f"docs/audit.md does not list {missing}"


@pytest.mark.parametrize("name", AUDIT_SETTINGS)
def test_every_audit_setting_is_in_the_configuration_table(name: str) -> None:
    row = next(
        (line for line in CONFIGURATION.splitlines() if line.startswith(f"| `{name}` |")), None
    )
    assert row is not None, f"docs/configuration.md has no row for {name}"
    assert f"`SCEAU_{name.upper()}`" in row
    default = getattr(Settings(), name)
    if default:
        assert f"`{default}`" in row
    assert name in {item.name for item in fields(Settings)}


def test_the_constants_the_page_names_are_the_codes() -> None:
    for constant in (INCLUSION, CONSISTENCY, "sceau audit seal v1", '[origin software="sceau"'):
        assert constant in AUDIT


# --- the recipe, from the page's words --------------------------------------------------------


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, recursively: split at the largest power of two below n."""
    if not leaves:
        return sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def frontier(leaves: list[bytes]) -> bytes:
    """The roots of the perfect subtrees, largest first."""
    roots, start = [], 0
    for bit in reversed(range(len(leaves).bit_length())):
        if len(leaves) >> bit & 1:
            roots.append(mth(leaves[start : start + (1 << bit)]))
            start += 1 << bit
    return b"".join(roots)


def test_the_documented_recipe_recomputes_a_real_trail(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    key = AuditKey.generate()
    log = AuditLog(engine, key, origin="lab-a.example", checkpoint_every=4, clock=lambda: start)
    for n in range(11):
        log.record(LoginSucceeded(actor="dr.martin", user="dr.martin", at=start + timedelta(n)))
    log.record(
        DriftRefused(actor="op.durand", mandate_sha256="0" * 64, column="PRÉNOM", reason="x")
    )
    with engine.connect() as connection:
        rows = connection.execute(select(audit_entries).order_by(audit_entries.c.seq)).all()
        head = connection.execute(select(audit_head)).one()
        signed = connection.execute(select(audit_checkpoints)).all()
    proof = make_proof(log, 5)
    engine.dispose()

    raw = key.private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    seal_key = HKDF(hashes.SHA256(), 32, salt=None, info=b"sceau audit seal v1").derive(raw)
    leaves = []
    for row in rows:
        entry = bytes(row.entry)
        body = json.loads(entry)
        assert sorted(body) == ["actor", "at", "name", "payload", "seq"]
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert canonical.encode() == entry
        at = datetime.fromisoformat(body["at"])
        assert row.at_us == (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
        leaf = sha256(b"\x00" + entry).digest()
        place = row.seq.to_bytes(8, "big") + row.at_us.to_bytes(8, "big", signed=True)
        message = place + leaf + row.name.encode()
        assert bytes(row.seal) == blake2b(message, key=seal_key, digest_size=32).digest()
        leaves.append(leaf)
    assert "PRÉNOM".encode() in bytes(rows[-1].entry)  # UTF-8 as it is, not \u-escaped

    assert bytes(head.frontier) == frontier(leaves)
    head_message = b"head" + head.size.to_bytes(8, "big") + bytes(head.frontier)
    assert bytes(head.seal) == blake2b(head_message, key=seal_key, digest_size=32).digest()

    public = Ed25519PublicKey.from_public_bytes(key.public_bytes)
    name = b"lab-a.example"
    key_hash = sha256(name + b"\n\x01" + key.public_bytes).digest()[:4]
    encoded = base64.b64encode(b"\x01" + key.public_bytes).decode()
    assert str(log.verifier) == f"lab-a.example+{key_hash.hex()}+{encoded}"
    assert [c.number for c in signed] == [1, 2, 3]
    for checkpoint in signed:
        lines = checkpoint.body.split("\n")
        assert lines == [
            "lab-a.example",
            str(checkpoint.size),
            base64.b64encode(mth(leaves[: checkpoint.size])).decode(),
            f"number {checkpoint.number}",
            f"time {start.isoformat()}",
            "",
        ]
        raw = base64.b64decode(checkpoint.signature)
        assert raw[:4] == key_hash
        public.verify(raw[4:], checkpoint.body.encode())

    head, note = proof.split("\n\n", 1)
    lines = head.split("\n")
    assert lines[:3] == [
        "c2sp.org/tlog-proof@v1",
        f"extra {base64.b64encode(bytes(rows[5].entry)).decode()}",
        "index 5",
    ]
    assert note.startswith("lab-a.example\n9\n")  # the first checkpoint covering entry 5
    assert note.endswith(f"\n\n\u2014 lab-a.example {signed[2].signature}\n")


def test_the_example_entry_is_canonical() -> None:
    example = re.search(r"```json\n(.*?)\n```", AUDIT, re.DOTALL)
    assert example is not None
    text = example[1]
    canonical = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    assert text == canonical
    assert json.loads(text)["name"] in EVENTS
