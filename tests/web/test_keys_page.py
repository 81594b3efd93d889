"""The console's ``/keys`` and ``/mandates/sign`` pages, drawn at the service: my keys, my labs'
people's keys (read-only), never another lab's; the signing box for the key held by the
browser, in French and English."""

from __future__ import annotations

from pathlib import Path

from tests.migrate.world import CHEAP, PASSPHRASE, PASSWORD
from tests.web.service import LAB_A, LAB_B, client, log_in, service_world

from sceau.accounts import Role, add_user
from sceau.accounts.labs import add_member
from sceau.crypto.signing import grouped
from sceau.mandate.signers import list_signers, new_signer


def test_the_keys_page_shows_my_keys_and_my_labs_people_keys_only(tmp_path: Path):
    world, app = service_world(tmp_path / "home")
    for name, lab in (("dr.blanc", LAB_A), ("dr.noir", LAB_B)):
        add_user(
            world.engine, world.events, name, Role.CONTROLLER, PASSWORD, by="admin", params=CHEAP
        )
        add_member(world.engine, world.events, name, lab, by="admin")
        new_signer(world.engine, world.events, PASSPHRASE, tmp_path / name, user=name)
    for name in ("dr.martin", "op.durand"):
        add_member(world.engine, world.events, name, LAB_A, by="admin")
    keys = {s.user: grouped(s.fingerprint) for s in list_signers(world.engine)}
    with client(app) as browser:
        log_in(browser, "dr.martin")
        page = browser.get("/keys?lang=en")
        assert page.status_code == 200, page.text
        assert 'id="browser-key"' in page.text  # a controller may make one here
        assert "this browser profile only" in page.text
        mine, _, lab = page.text.partition('id="lab-keys"')
        assert keys["dr.martin"] in mine
        assert keys["dr.blanc"] in lab
        assert keys["dr.noir"] not in page.text  # another lab's people
        assert browser.get("/mandates/sign?lang=fr").text.count("Signer ce mandat") == 1
    with client(app) as browser:
        log_in(browser, "op.durand")
        page = browser.get("/keys?lang=fr")
        assert page.status_code == 200
        assert 'id="browser-key"' not in page.text  # an operator holds no signing key
        assert "Clés des personnes de mes laboratoires" in page.text
        assert keys["dr.martin"] in page.text
        assert browser.get("/mandates/sign").status_code == 403
