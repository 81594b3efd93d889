// sceau's console: the login steps against /auth/*, security keys (WebAuthn), a run's live
// progress, confirmations and logout. Loaded from 'self' only: the CSP forbids inline script.
"use strict";

(function () {
  const CSRF_COOKIE = "__Host-csrf";

  function csrf() {
    for (const part of document.cookie.split(";")) {
      const [name, ...rest] = part.trim().split("=");
      if (name === CSRF_COOKIE) return decodeURIComponent(rest.join("="));
    }
    const holder = document.querySelector("[data-csrf]");
    return holder ? holder.dataset.csrf : "";
  }

  async function api(path, body) {
    const answer = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf() },
      body: JSON.stringify(body || {}),
    });
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      const error = new Error(data.title || String(answer.status));
      error.hint = data.hint || "";
      throw error;
    }
    return data;
  }

  // the one way the console's scripts post to the service (signing.js, loaded after, uses it)
  window.sceauConsole = Object.freeze({ api: api });

  // --- base64url <-> ArrayBuffer, for WebAuthn's JSON forms --------------------------------
  function fromB64url(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "===".slice((b64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
  }
  function toB64url(buffer) {
    let text = "";
    for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function requestOptions(json) {
    const options = Object.assign({}, json, { challenge: fromB64url(json.challenge) });
    if (json.allowCredentials) {
      options.allowCredentials = json.allowCredentials.map((c) => Object.assign({}, c, { id: fromB64url(c.id) }));
    }
    return options;
  }
  function creationOptions(json) {
    const options = Object.assign({}, json, { challenge: fromB64url(json.challenge) });
    options.user = Object.assign({}, json.user, { id: fromB64url(json.user.id) });
    if (json.excludeCredentials) {
      options.excludeCredentials = json.excludeCredentials.map((c) => Object.assign({}, c, { id: fromB64url(c.id) }));
    }
    return options;
  }
  function credentialJSON(credential) {
    const r = credential.response;
    const response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      if (r.getTransports) response.transports = r.getTransports();
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      if (r.userHandle) response.userHandle = toB64url(r.userHandle);
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    });
  }

  // --- login ----------------------------------------------------------------------------------
  function show(id, visible) {
    const element = document.getElementById(id);
    if (element) element.classList.toggle("hidden", !visible);
  }
  function fail(error) {
    const where = document.getElementById("login-error");
    where.textContent = error.message + (error.hint ? " — " + error.hint : "");
  }
  function home() {
    window.location.assign("/?lang=" + document.body.dataset.lang);
  }
  function complete(answer) {
    if (answer.recovery_codes && answer.recovery_codes.length) {
      show("login-password", false); show("login-factor", false); show("login-enrol", false);
      document.getElementById("codes").textContent = answer.recovery_codes.join("\n");
      show("login-codes", true);
      return;
    }
    home();
  }
  function stage(answer) {
    document.getElementById("login-error").textContent = "";
    if (answer.stage === "complete") return complete(answer);
    show("login-password", false);
    if (answer.stage === "second_factor") {
      const factors = answer.factors || [];
      show("login-factor", true);
      show("factor-code", factors.includes("totp") || factors.includes("recovery"));
      show("factor-key", factors.includes("webauthn"));
    } else if (answer.stage === "enrol") {
      show("login-enrol", true);
    }
  }

  function loginPage() {
    const form = document.getElementById("login-password");
    if (!form) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      api("/auth/login", {
        name: document.getElementById("name").value,
        password: document.getElementById("password").value,
      }).then(stage, fail);
    });
    document.getElementById("factor-code").addEventListener("submit", (event) => {
      event.preventDefault();
      const kind = document.getElementById("code-kind").value;
      api("/auth/mfa/" + kind, { answer: document.getElementById("code").value.trim() }).then(stage, fail);
    });
    document.getElementById("factor-key").addEventListener("click", async () => {
      try {
        const options = await api("/auth/mfa/webauthn/options", {});
        const credential = await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
        stage(await api("/auth/mfa/webauthn", { answer: credentialJSON(credential) }));
      } catch (error) { fail(error); }
    });
    document.getElementById("enrol-given").addEventListener("submit", (event) => {
      event.preventDefault();
      api("/auth/enrol/code", { answer: document.getElementById("enrol-answer").value.trim() }).then(() => {
        document.getElementById("login-error").textContent = "";
        show("enrol-given", false);
        show("enrol-choice", true);
      }, fail);
    });
    let factor = null;
    document.getElementById("enrol-totp").addEventListener("click", async () => {
      try {
        const made = await api("/auth/enrol/totp", {});
        factor = made.factor;
        document.getElementById("enrol-uri").textContent = made.uri;
        const qr = await fetch("/login/qr", {
          method: "POST", credentials: "same-origin",
          headers: { "content-type": "application/json", "x-csrf-token": csrf() },
          body: JSON.stringify({ uri: made.uri }),
        });
        if (qr.ok) {
          const svg = new DOMParser().parseFromString(await qr.text(), "image/svg+xml").documentElement;
          const holder = document.getElementById("enrol-qr");
          holder.replaceChildren(document.importNode(svg, true));
        }
        show("enrol-confirm", true);
      } catch (error) { fail(error); }
    });
    document.getElementById("enrol-confirm").addEventListener("submit", (event) => {
      event.preventDefault();
      api("/auth/enrol/totp/confirm", {
        factor: factor, answer: document.getElementById("enrol-code").value.trim(),
      }).then(stage, fail);
    });
    document.getElementById("enrol-key").addEventListener("click", async () => {
      try {
        const options = await api("/auth/enrol/webauthn/options", {});
        const credential = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
        stage(await api("/auth/enrol/webauthn", { answer: credentialJSON(credential) }));
      } catch (error) { fail(error); }
    });
  }

  // --- a run's live progress: /api/runs/{id} every 2 s while a process drives it -------------
  function runPage() {
    const run = document.getElementById("run");
    if (!run || run.dataset.live !== "yes") return;
    const timer = window.setInterval(async () => {
      const answer = await fetch("/api/runs/" + encodeURIComponent(run.dataset.run), { credentials: "same-origin" });
      if (!answer.ok) return window.clearInterval(timer);
      const facts = await answer.json();
      const bar = document.getElementById("run-progress");
      const staged = facts.rows.staged, loaded = facts.rows.loaded;
      bar.max = Math.max(staged, 1);
      bar.value = facts.state === "staging" ? 0 : loaded;
      document.getElementById("run-rows").textContent = loaded + " / " + staged;
      const state = document.getElementById("run-state");
      if (state.dataset.state !== facts.state) {
        window.clearInterval(timer);
        window.location.reload(); // a new state: the page draws its words and buttons
      }
    }, 2000);
  }

  // --- confirmations and logout ---------------------------------------------------------------
  function confirmations() {
    const abandon = document.getElementById("abandon");
    if (abandon) {
      abandon.addEventListener("submit", (event) => {
        if (!window.confirm(abandon.dataset.confirm)) event.preventDefault();
      });
    }
    const logout = document.getElementById("logout");
    if (logout) {
      logout.addEventListener("click", () => {
        api("/auth/logout", {}).finally(() => window.location.assign("/login?lang=" + document.body.dataset.lang));
      });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    loginPage();
    runPage();
    confirmations();
  });
})();
