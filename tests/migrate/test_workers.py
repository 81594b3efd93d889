"""Work on every core gives, batch for batch, what one process gives."""

from __future__ import annotations

from pathlib import Path

from tests.migrate.world import LAB_A_RULES, World, make_world

from sceau.crypto.envelope import new_data_key
from sceau.mandate.verify import load_verified
from sceau.migrate.plan import Plan
from sceau.migrate.staging import Staging
from sceau.migrate.verify import digest_batch
from sceau.migrate.workers import Cores, digest_on_cores, sealed_batches
from sceau.protect.apply import ProtectKeys
from sceau.sources.base import open_source


def test_workers_stage_and_digest_the_same_batches_in_the_same_order(tmp_path: Path) -> None:
    world: World = make_world(tmp_path / "home", patients=300, batch_rows=60)
    rules = dict(LAB_A_RULES, TEL1="pseudonymise")  # field encryption is randomised by design
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}", rules=rules)
    verified = load_verified(mandate, world.engine, world.events)
    plan = Plan(verified.mandate, verified.sha256, ProtectKeys(new_data_key(), new_data_key()))
    staging = Staging(tmp_path / "staging", "run-1", new_data_key())
    (table,) = open_source(str(world.source), batch_rows=60).tables()

    alone = list(sealed_batches(Cores(1), table.batches(), plan, staging))
    with Cores(2) as cores:
        together = list(sealed_batches(cores, table.batches(), plan, staging))
        staging.create()
        for done in together:
            staging.store(done.number, done.sealed)
        staged = [staging.read(done.number) for done in together]
        digests = list(digest_on_cores(cores, staged))

    assert [b.number for b in together] == list(range(len(alone))) == [b.number for b in alone]
    assert [(b.digest, b.refused, b.rows_read) for b in together] == [
        (b.digest, b.refused, b.rows_read) for b in alone
    ]
    assert digests == [digest_batch(batch) for batch in staged] == [b.digest for b in alone]
