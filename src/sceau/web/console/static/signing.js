// sceau's console: a signing key held by this browser, and signing a mandate with it.
//
// The key is WebCrypto Ed25519, made not extractable and kept in this profile's IndexedDB: the
// service sees only its public half (POST /api/signers). A signature is built exactly as
// sceau.mandate.signature does: Ed25519 over "sceau mandate v2\n" followed by five lines, the
// mandate's SHA-256, its id, the signer's account, the key's fingerprint and the time, then
// handed in with the mandate's exact text (POST /api/mandates). Loaded from 'self' only.
"use strict";

(function () {
  const LABEL = "sceau mandate v2";
  const STORE = "keys";

  const post = window.sceauConsole.api; // console.js, loaded before: CSRF header, errors

  function said(id, error) {
    const where = typeof id === "string" ? document.getElementById(id) : id;
    where.textContent = error.message + (error.hint ? " — " + error.hint : "");
  }

  // --- bytes ------------------------------------------------------------------------------------
  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function base64(buffer) {
    let text = "";
    for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
    return btoa(text);
  }
  async function sha256(bytes) {
    return hex(await crypto.subtle.digest("SHA-256", bytes));
  }
  function grouped(fingerprint) {
    return fingerprint.match(/.{1,4}/g).join(" ");
  }

  // --- the key in this profile: IndexedDB, one key per account ------------------------------
  function database() {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open("sceau-signing", 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: "signer" });
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
    });
  }
  async function stored(mode, act) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const request = act(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  const browserKey = (signer) => stored("readonly", (keys) => keys.get(signer));
  const keepKey = (entry) => stored("readwrite", (keys) => keys.put(entry));

  async function newKey(signer, unsupported) {
    let pair;
    try {
      pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    } catch (error) {
      throw new Error(unsupported); // a browser without Ed25519 in WebCrypto
    }
    const raw = await crypto.subtle.exportKey("raw", pair.publicKey);
    return { signer: signer, privateKey: pair.privateKey, publicKey: base64(raw), fingerprint: await sha256(raw) };
  }

  // --- the signature document, as sceau.mandate.signature writes it --------------------------
  function utcSeconds(moment) {
    return moment.toISOString().slice(0, 19) + "+00:00"; // datetime.isoformat(timespec="seconds")
  }
  async function signatureDocument(entry, bytes, mandateId, moment) {
    const digest = await sha256(bytes);
    const signedAt = utcSeconds(moment);
    const lines = [digest, mandateId, entry.signer, entry.fingerprint, signedAt];
    if (lines.some((line) => !line || /[\n\r]/.test(line))) throw new Error("a signed field is one line");
    const message = new TextEncoder().encode(LABEL + "\n" + lines.join("\n"));
    const signature = await crypto.subtle.sign({ name: "Ed25519" }, entry.privateKey, message);
    const fields = {
      format: "sceau-mandate-signature",
      version: 2,
      algorithm: "ed25519",
      mandate_id: mandateId,
      mandate_sha256: digest,
      signer: entry.signer,
      fingerprint: entry.fingerprint,
      signed_at: signedAt,
      signature: base64(signature),
    };
    return JSON.stringify(fields, null, 2) + "\n";
  }

  // A mandate file's mandate_id: its top-level key, before the first [table] (the service
  // checks the signed id against the text it parses).
  function mandateIdOf(text) {
    const top = text.split(/^\s*\[/m)[0];
    const found = top.match(/^\s*mandate_id\s*=\s*(?:"([^"\\\n]*)"|'([^'\n]*)')\s*(?:#.*)?$/m);
    return found ? found[1] || found[2] : "";
  }

  // --- /keys ------------------------------------------------------------------------------------
  async function keysPage() {
    const section = document.getElementById("browser-key");
    if (section) await browserKeySection(section);
    for (const form of document.querySelectorAll("form.revoke-key")) {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        try {
          await post("/auth/reauth", { password: form.elements.password.value, answer: form.elements.code.value.trim() });
          await post("/api/signers/" + encodeURIComponent(form.dataset.fingerprint) + "/revoke", { reason: form.elements.reason.value });
          window.location.reload();
        } catch (error) { said(form.querySelector(".revoke-error"), error); }
      });
    }
  }

  async function browserKeySection(section) {
    const signer = section.dataset.signer;
    const entry = await browserKey(signer);
    const row = entry ? document.querySelector('#my-keys tr[data-fingerprint="' + entry.fingerprint + '"]') : null;
    const active = row !== null && row.dataset.revoked === "no";
    if (entry) {
      document.getElementById("browser-fingerprint").textContent = grouped(entry.fingerprint);
      document.getElementById("browser-key-none").classList.add("hidden");
      document.getElementById("browser-key-here").classList.remove("hidden");
      document.getElementById("browser-key-gone").classList.toggle("hidden", active);
      if (row) row.querySelector(".in-browser").classList.remove("hidden");
    }
    const form = document.getElementById("new-key");
    form.classList.toggle("hidden", active);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const made = await newKey(signer, section.dataset.unsupported);
        await post("/auth/reauth", {
          password: document.getElementById("new-key-password").value,
          answer: document.getElementById("new-key-code").value.trim(),
        });
        await post("/api/signers", { public_key: made.publicKey });
        await keepKey(made);
        window.location.reload();
      } catch (error) { said("keys-error", error); }
    });
  }

  // --- signing: a draft's body from the service, or a file from the disk ---------------------
  async function signSection() {
    const section = document.getElementById("sign");
    if (!section) return;
    const form = document.getElementById("sign-form");
    const entry = await browserKey(section.dataset.signer);
    if (!entry) {
      document.getElementById("sign-no-key").classList.remove("hidden");
      form.classList.add("hidden");
      return;
    }
    document.getElementById("sign-fingerprint").textContent = grouped(entry.fingerprint);
    let mandate = null; // { bytes, text, id }
    const picker = document.getElementById("sign-file");
    if (picker) {
      picker.addEventListener("change", async () => {
        document.getElementById("sign-error").textContent = "";
        mandate = null;
        try {
          mandate = await readMandate(new Uint8Array(await picker.files[0].arrayBuffer()), "", section);
          document.getElementById("sign-mandate-id").textContent = mandate.id;
        } catch (error) { said("sign-error", error); }
      });
    } else if (section.dataset.bodyUrl) {
      try {
        const answer = await fetch(section.dataset.bodyUrl, { credentials: "same-origin" });
        if (!answer.ok) throw new Error(String(answer.status));
        mandate = await readMandate(new Uint8Array(await answer.arrayBuffer()), section.dataset.mandateId, section);
      } catch (error) { said("sign-error", error); }
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        if (!mandate) throw new Error(section.dataset.pick);
        await post("/auth/reauth", {
          password: document.getElementById("sign-password").value,
          answer: document.getElementById("sign-code").value.trim(),
        });
        const signature = await signatureDocument(entry, mandate.bytes, mandate.id, new Date());
        const kept = await post("/api/mandates", { mandate: mandate.text, signature: signature });
        window.location.assign(kept.page + "?lang=" + document.body.dataset.lang);
      } catch (error) { said("sign-error", error); }
    });
  }

  async function readMandate(bytes, mandateId, section) {
    // the exact bytes are signed; the text the service receives must encode back to them
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    const id = mandateId || mandateIdOf(text);
    if (!id) throw new Error(section.dataset.noId);
    return { bytes: bytes, text: text, id: id };
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!document.getElementById("browser-key") && !document.getElementById("sign") && !document.getElementById("my-keys")) return;
    if (!window.crypto || !crypto.subtle || !window.indexedDB) return;
    keysPage().catch((error) => { const where = document.getElementById("keys-error"); if (where) said(where, error); });
    signSection().catch((error) => said("sign-error", error));
  });
})();
