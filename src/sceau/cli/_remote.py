"""The CLI as a client of ``sceau serve`` (``sceau --server URL ...`` or the ``server`` setting).

The client machine holds no store, no audit key and no signer registry: only the service's URL,
the CA that signed its certificate if it is not a public one (``server_ca``), and one API token
of the person using it, in ``$SCEAU_HOME/server-token`` (mode 0600, in a 0700 folder, refused if
anyone else could read it). ``sceau login`` makes the token with the person's password;
``sceau logout`` revokes it at the service and deletes the file.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import stat
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from sceau.config import Settings
from sceau.errors import SceauError
from sceau.files import write_atomic

CSRF_COOKIE, CSRF_HEADER = "__Host-csrf", "x-csrf-token"
_TIMEOUT = 60.0  # a verification of a long trail takes a while


class RemoteError(SceauError):
    """The service refused, or could not be reached."""


class Remote:
    """One service, spoken to over HTTPS with the person's token."""

    def __init__(self, settings: Settings) -> None:
        if not settings.server.startswith("https://"):
            raise RemoteError(
                "the service's URL must start with https://: the password and the token cross "
                "the network, and the session cookie is sent over TLS only",
                hint="run sceau serve with --certfile and --keyfile, or behind a TLS proxy",
                where="server",
            )
        self.settings = settings
        verify: ssl.SSLContext | bool = True
        if settings.server_ca is not None:
            verify = ssl.create_default_context(cafile=str(settings.server_ca))
        self.client = httpx.Client(
            base_url=settings.server.rstrip("/"), verify=verify, timeout=_TIMEOUT
        )

    def __enter__(self) -> Remote:
        return self

    def __exit__(self, *_: object) -> None:
        self.client.close()

    # --- asking -----------------------------------------------------------------------------

    def json(self, method: str, path: str, **options: Any) -> Any:
        return self._send(method, path, **options).json()

    def text(self, path: str, **options: Any) -> str:
        return self._send("GET", path, **options).text

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {read_token(self.settings)}"}
        return self._checked(self._request(method, path, headers=headers, **options))

    def _request(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            return self.client.request(method, path, **options)
        except httpx.HTTPError as error:
            raise RemoteError(
                f"cannot reach the service ({type(error).__name__})",
                hint="check the server URL, that `sceau serve` runs there, and its certificate "
                "(server_ca)",
                where=self.settings.server,
            ) from None

    @staticmethod
    def _checked(response: httpx.Response) -> httpx.Response:
        if response.is_success:
            return response
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        title = problem.get("title") if isinstance(problem, dict) else None
        hint = problem.get("hint", "") if isinstance(problem, dict) else ""
        if response.status_code == 401 and not hint:
            hint = "run `sceau login NAME` (with --server) to get a new token"
        raise RemoteError(
            f"the service refused ({response.status_code}): {title or response.reason_phrase}",
            hint=str(hint),
            where=str(problem.get("where", "")) if isinstance(problem, dict) else "",
        )

    # --- the token --------------------------------------------------------------------------

    def login(
        self, name: str, password: str, ask_code: Callable[[], str] | None = None
    ) -> dict[str, Any]:
        """Log in with the password (and the code ``ask_code`` gives, when the account has an
        app or recovery codes), make a token for this machine, keep it, end the session."""
        answer, csrf = self._session(name, password, ask_code)
        label = f"cli@{socket.gethostname()}"[:64]
        made = self._checked(
            self._request("POST", "/api/tokens", json={"label": label}, headers=csrf)
        ).json()
        write_token(self.settings, made["token"])
        with contextlib.suppress(RemoteError):  # the token is kept: the session is not needed
            self._checked(self._request("POST", "/auth/logout", headers=csrf))
        return {"user": answer["user"], "role": answer["role"], "token_id": made["token_id"]}

    def _session(
        self, name: str, password: str, ask_code: Callable[[], str] | None
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """A complete session of ``name`` in this client's cookies: the login's answer, and the
        CSRF header its requests carry."""
        self._checked(self._request("GET", "/health"))
        csrf = {CSRF_HEADER: self.client.cookies.get(CSRF_COOKIE) or ""}
        answer = self._checked(
            self._request(
                "POST", "/auth/login", json={"name": name, "password": password}, headers=csrf
            )
        ).json()
        if answer.get("stage") == "enrol":
            raise RemoteError(
                "the service requires a second factor, and this account has none yet",
                hint="log in once in the web console to enrol an authenticator app or a "
                "security key, then run `sceau login` again",
            )
        factors = answer.get("factors", [])
        if answer.get("stage") == "second_factor":
            answer = self._second_factor(factors, ask_code, csrf)
        if answer.get("stage") != "complete":
            raise RemoteError(
                "the service did not complete the login",
                hint="log in in the web console and make a token there",
            )
        return {**answer, "factors": factors}, csrf

    @contextlib.contextmanager
    def fresh(
        self, password: str, ask_code: Callable[[], str], ask_next_code: Callable[[], str]
    ) -> Iterator[Callable[..., Any]]:
        """For an act that binds the person (registering a key, signing): a session of the
        token's owner that gave the password and second factor again just now, as the service
        wants (an API token never can). Yields a ``send(method, path, **options)`` over that
        session, which ends with the block.

        The login spends one code of the app; the re-authentication needs the next one
        (``ask_next_code``: each code is accepted once), or a recovery code.
        """
        me = self.json("GET", "/auth/me")
        answer, csrf = self._session(str(me["user"]), password, ask_code)
        code = ask_next_code() if answer["factors"] else None
        self._checked(
            self._request(
                "POST", "/auth/reauth", json={"password": password, "answer": code}, headers=csrf
            )
        )

        def send(method: str, path: str, **options: Any) -> Any:
            return self._checked(self._request(method, path, headers=csrf, **options)).json()

        try:
            yield send
        finally:
            with contextlib.suppress(RemoteError):
                self._checked(self._request("POST", "/auth/logout", headers=csrf))
            self.client.cookies.clear()

    def _second_factor(
        self, factors: list[str], ask_code: Callable[[], str] | None, csrf: dict[str, str]
    ) -> dict[str, Any]:
        """Give the app's code, or a recovery code, to the pending login."""
        if ask_code is None or not {"totp", "recovery"} & set(factors):
            raise RemoteError(
                "this account's second factor is a security key, which only a browser can use",
                hint="log in in the web console and make a token there, or use a recovery code",
            )
        code = ask_code().strip()
        digits = code.replace(" ", "").replace("-", "")
        route = "/auth/mfa/totp" if digits.isdigit() and len(digits) == 6 else "/auth/mfa/recovery"
        answer: dict[str, Any] = self._checked(
            self._request("POST", route, json={"answer": code}, headers=csrf)
        ).json()
        return answer

    def logout(self) -> bool:
        """Revoke this machine's token at the service and delete its file. False if none."""
        path = self.settings.server_token_file
        if not path.exists():
            return False
        try:
            self.json("POST", "/auth/logout")
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return True


def write_token(settings: Settings, token: str) -> None:
    path = settings.server_token_file
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        write_atomic(path, f"{token}\n".encode("ascii"))
    except OSError as error:
        raise RemoteError(
            f"cannot write the token file ({error.strerror or type(error).__name__})",
            hint="check that the sceau home folder is yours and writable (SCEAU_HOME)",
            where=str(path),
        ) from None


def read_token(settings: Settings) -> str:
    """The token, from a regular file that is ours and readable by us only."""
    path = settings.server_token_file
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise RemoteError(
            "nobody is logged in to the service from this machine",
            hint="run `sceau --server URL login NAME`",
        ) from None
    except OSError as error:
        raise RemoteError(
            f"the token file cannot be read ({error.strerror or type(error).__name__})",
            hint="delete it and log in again",
            where=str(path),
        ) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        text = handle.read(256).decode("ascii", errors="replace").strip()
    if (
        not stat.S_ISREG(info.st_mode)
        or stat.S_IMODE(info.st_mode) & 0o077
        or (info.st_uid != os.getuid())
    ):
        raise RemoteError(
            "the token file is not a private file of yours (it must be mode 0600)",
            hint="revoke the token (it may have been copied), delete the file, log in again",
            where=str(path),
        )
    return text
