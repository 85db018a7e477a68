// Shared by every page's script: the page's messages, the session's CSRF token on every API
// call, and money written the Indonesian way. Pages read it from globalThis.RELASI.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const messagesEl = document.getElementById("pesan");
const messages = messagesEl ? JSON.parse(messagesEl.textContent) : {};

/** A message of the page's catalogue, by key. */
function t(key) {
  return messages[key] ?? key;
}

/** `Rp 25.000`. */
function rupiah(amount) {
  const n = BigInt(amount);
  const digits = (n < 0n ? -n : n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return (n < 0n ? "-Rp " : "Rp ") + digits;
}

/** Calls the /v1 API with the session cookie and CSRF token: {status, body} (body parsed JSON
 * or null). Rejects when the server cannot be reached or does not answer within `timeoutMs`
 * (a patchy mobile connection can hang instead of failing). */
async function api(path, { method = "GET", body, headers = {}, timeoutMs = 15000 } = {}) {
  const h = { "X-CSRF-Token": csrf, ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method, credentials: "same-origin", headers: h, signal: AbortSignal.timeout(timeoutMs),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  return { status: res.status, body: parsed };
}

/** The title of a problem+json answer in the page's language. */
function problemTitle(body) {
  if (!body) return "";
  return document.documentElement.lang === "en" ? (body.title_en ?? body.title) : (body.title ?? body.title_en);
}

globalThis.RELASI = { csrf, t, rupiah, api, problemTitle, lang: document.documentElement.lang };
