"""``sceau serve`` under a bounded load on loopback, beside a bare ASGI "hello" app as the floor.

One process run starts two servers on loopback ports, each a real process under the same uvicorn
(one worker, plain HTTP: loopback needs no TLS, and the clients carry API tokens, which the
service takes on every route, pages included):

- **sceau**: ``sceau serve`` over a store holding one lab's completed migration run, with
  supervision slowed to once an hour so that only the requests are measured;
- **floor**: an ASGI app that answers ``hello`` to anything: no framework, no guard, no store.
  No service behind this uvicorn can answer faster.

For each number of concurrent users (1, 8, 32 by default), every user sends ``--requests``
requests one after the other, cycling through the console's pages (home, runs, one run) and
the JSON API (``/api/runs``, ``/api/runs/{id}``, ``/auth/me``); the floor gets the same paths.
Printed: p50 and p99 latency, throughput, and sceau's ratio to the floor. The load generator
(httpx, asyncio) runs in this process and shares the machine's cores with the server: on a
small machine it is part of what is measured, for both sides alike. Nothing is asserted but that
every answer is a 200; results go to docs/benchmarks.md.

    python bench/serve.py                         # 1, 8 and 32 users, 200 requests each
    python bench/serve.py --users 1 8 --requests 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

# the tests' migration world builds the store the service reads
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).parent))
from tests.conftest import free_port
from tests.migrate.world import make_world
from tests.web.service import LAB_A

from scan import machine
from sceau.accounts.labs import add_member
from sceau.accounts.mfa import mfa_key
from sceau.migrate.pipeline import migrate
from sceau.web import auth
from sceau.web.service import Service

HELLO = """
import uvicorn

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello"})

uvicorn.run(app, host="127.0.0.1", port={port}, lifespan="off", log_level="warning",
            server_header=False)
"""


def world(home: Path) -> tuple[dict[str, str], str, str]:
    """A store with one completed run of lab A, and an API token of its operator."""
    made = make_world(home)
    add_member(made.engine, made.events, "op.durand", LAB_A, by="admin")
    run_id = migrate(
        made.session(), made.signed_mandate(destination=f"sqlite:///{home / 'lis.db'}")
    ).run_id
    service = Service(
        made.settings,
        made.engine,
        made.events,
        token_key=mfa_key(made.settings, create=True).tokens,
    )  # the served process reads the same mfa.key from the home, so it takes this token
    _, token = auth.new_token(service, "op.durand", "bench", 1, datetime.now(UTC))
    env = {
        **os.environ,
        "SCEAU_HOME": str(made.home),
        "SCEAU_KEYRING_PASSPHRASE": made.settings.keyring_passphrase,
        "SCEAU_SUPERVISE_SECONDS": "3600",
    }
    return env, run_id, token


@contextmanager
def server(command: Sequence[str], env: dict[str, str], url: str) -> Iterator[None]:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"{command[:4]} did not answer")
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


async def load(url: str, paths: Sequence[str], token: str, users: int, requests: int) -> dict:
    """``users`` clients at once, ``requests`` each, one after the other: latencies, rate."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, limits=limits, headers=headers) as client:

        async def user(offset: int) -> None:
            for n in range(requests):
                path = paths[(offset + n) % len(paths)]
                start = time.perf_counter()
                answer = await client.get(path)
                latencies.append(time.perf_counter() - start)
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: {answer.status_code}")

        await asyncio.gather(*(user(i) for i in range(min(users, 4))))  # warm up
        latencies.clear()
        start = time.perf_counter()
        await asyncio.gather(*(user(i) for i in range(users)))
        wall = time.perf_counter() - start
    latencies.sort()
    return {
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "rate": len(latencies) / wall,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, default=200, help="per user")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sceau-bench-serve-") as folder:
        env, run_id, token = world(Path(folder) / "home")
        paths = ["/", "/runs", f"/runs/{run_id}", "/api/runs", f"/api/runs/{run_id}", "/auth/me"]
        sceau_port, floor_port = free_port(), free_port()
        sceau_url, floor_url = f"http://127.0.0.1:{sceau_port}", f"http://127.0.0.1:{floor_port}"
        sceau_cmd = [sys.executable, "-m", "sceau", "serve", "--port", str(sceau_port)]
        floor_cmd = [sys.executable, "-c", HELLO.replace("{port}", str(floor_port))]
        results = []
        with server(sceau_cmd, env, sceau_url), server(floor_cmd, env, floor_url):
            for users in args.users:
                measured = asyncio.run(load(sceau_url, paths, token, users, args.requests))
                floor = asyncio.run(load(floor_url, paths, token, users, args.requests))
                results.append((users, measured, floor))
    facts = machine()
    print(f"machine: {facts}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {args.requests} requests per user")
    print(
        "| users | sceau p50 ms | sceau p99 ms | sceau req/s | floor p50 ms | floor p99 ms "
        "| floor req/s | p50 ratio | throughput ratio |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for users, s, f in results:
        print(
            f"| {users} | {s['p50']:.1f} | {s['p99']:.1f} | {s['rate']:,.0f} | {f['p50']:.2f} "
            f"| {f['p99']:.2f} | {f['rate']:,.0f} | {s['p50'] / f['p50']:.1f}x "
            f"| {f['rate'] / s['rate']:.1f}x |"
        )


if __name__ == "__main__":
    main()
