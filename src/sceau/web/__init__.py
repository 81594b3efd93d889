"""The service: ``sceau serve`` holds the trust boundary, people work through clients.

The service alone holds the state store's credentials, the audit key, the signer registry and
the sessions; a person reaches the data through it, logged in, within their role and their labs.

Built on Litestar because the boundary needs three things built in, not bolted on: CSRF
protection for cookie-authenticated requests, guards that run on every route (so one global
guard can deny by default), and an OpenAPI schema generated from the routes themselves.
FastAPI has neither CSRF protection nor server-side sessions of its own. Sessions are kept in
the state store, as the hash of their token only (:mod:`sceau.web.auth`): Litestar's session
stores key a session by its raw identifier, which a copy of the database would then open.

    app          create_app(settings): the routes, the guard, the headers, the supervision loop
    guard        default deny: every route declares its action; refusals are audit events
    auth         browser sessions (two steps: password, then second factor) and API tokens
    labs         which lab's mandates and runs a person may see
"""

from sceau.web.app import create_app

__all__ = ["create_app"]
