// The shop's checkout page: scan (BarcodeDetector, else a frame to POST /v1/scan, else the typed
// code), the offline verdict with WebCrypto Ed25519 against cached keys, the basket, the sale
// under an idempotency key with safe retries, and — when the server cannot be reached and the
// programme's published rules allow it — the offline queue in IndexedDB, synced in order with
// the same keys. The same rules as the merchant client library (docs/offline.md).
const R = globalThis.RELASI;
const $ = (id) => document.getElementById(id);
const nowUnix = () => Math.floor(Date.now() / 1000);
const ABANDONED_AFTER_SECS = 300;
let current = null; // { text, claims, rules }
let lines = []; // [{ category, amount }]
let syncing = false;

// ---- IndexedDB: "lists" (keys, settings, revocations) and "sales" (every attempt, by key).
function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open("relasi-toko", 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore("lists");
      req.result.createObjectStore("sales", { keyPath: "key" });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
const dbPromise = openDb();
async function withStore(name, mode, work) {
  const db = await dbPromise;
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode);
    let result;
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
    work(tx.objectStore(name), (value) => { result = value; });
  });
}
const getList = (name) => withStore("lists", "readonly", (s, done) => { s.get(name).onsuccess = (e) => done(e.target.result); });
const putList = (name, value) => withStore("lists", "readwrite", (s) => s.put(value, name));
const allSales = () => withStore("sales", "readonly", (s, done) => { s.getAll().onsuccess = (e) => done(e.target.result); });
const putSale = (sale) => withStore("sales", "readwrite", (s) => s.put(sale));

// ---- Lists: keys, offline settings, revocations (paged by cursor), each with its fetch time.
async function syncLists() {
  const keys = await R.api("/v1/keys");
  const settings = await R.api("/v1/offline-settings");
  if (keys.status !== 200 || settings.status !== 200) return false;
  const old = (await getList("revocations")) ?? { cursor: "", ids: [] };
  const ids = new Set(old.ids);
  let cursor = old.cursor;
  for (let page = 0; page < 1000; page++) {
    const res = await R.api("/v1/revocations?since=" + encodeURIComponent(cursor));
    if (res.status !== 200) return false;
    res.body.revoked.forEach((r) => ids.add(r.voucher_id.toLowerCase()));
    cursor = res.body.next_since;
    if (res.body.complete) break;
  }
  const at = nowUnix();
  await putList("keys", { body: keys.body, at });
  await putList("settings", { body: settings.body, at });
  await putList("revocations", { cursor, ids: [...ids], at });
  return true;
}
async function listsAge() {
  const [k, s, r] = await Promise.all([getList("keys"), getList("settings"), getList("revocations")]);
  if (!k || !s || !r) return null;
  return nowUnix() - Math.min(k.at, s.at, r.at);
}

// ---- The token: RLS1: + Base32 of 100 bytes (SPEC "Voucher token").
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0;
  const out = [];
  for (const ch of text) {
    const v = alphabet.indexOf(ch);
    if (v < 0) return null;
    value = (value << 5) | v; bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
  }
  return new Uint8Array(out);
}
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
function parseToken(input) {
  let text = input.trim().toUpperCase();
  if (text.length > 256) return null;
  // A card may carry the link form HTTPS://HOST/V/RLS1:… (the family's phone opens it).
  if (/^HTTPS?:\/\//.test(text)) text = text.slice(text.lastIndexOf("/V/") + 3);
  if (!text.startsWith("RLS1:")) return null;
  const bytes = base32(text.slice(5));
  if (!bytes || bytes.length !== 100 || bytes[0] !== 1 || (bytes[1] & 0xfe) !== 0) return null;
  const view = new DataView(bytes.buffer);
  return {
    text, bytes, offline: (bytes[1] & 1) === 1, kid: hex(bytes.slice(2, 6)), voucherId: hex(bytes.slice(6, 22)),
    programme: view.getUint16(22), validFrom: view.getUint32(24), validUntil: view.getUint32(28),
    face: view.getUint32(32), signature: bytes.slice(36, 100), signed: bytes.slice(0, 36),
  };
}

// The offline verdict: a key with the kid that is not revoked and still verifies (verify_until),
// an Ed25519 signature over "RELASI-VOUCHER-1\0" ‖ deployment id ‖ 0x00 ‖ bytes 0..36, the window.
async function verifyOffline(claims) {
  const keys = await getList("keys");
  if (!keys) return { ok: false, code: "offline_lists_stale" };
  const now = nowUnix();
  const same = keys.body.keys.filter((k) => k.kid === claims.kid);
  const usable = same.filter((k) => k.status !== "revoked" && (!k.verify_until || Date.parse(k.verify_until) / 1000 >= now));
  if (same.length && !usable.length) return { ok: false, code: "key_revoked" };
  if (!usable.length) return { ok: false, code: "unknown_key" };
  const enc = new TextEncoder();
  const message = new Uint8Array([...enc.encode("RELASI-VOUCHER-1\0"), ...enc.encode(keys.body.deployment_id), 0, ...claims.signed]);
  let good = false;
  for (const k of usable) {
    const raw = Uint8Array.from(atob(k.public_key.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    if (await crypto.subtle.verify({ name: "Ed25519" }, key, claims.signature, message)) { good = true; break; }
  }
  if (!good) return { ok: false, code: "bad_signature" };
  if (now < claims.validFrom) return { ok: false, code: "voucher_not_yet_valid" };
  if (now > claims.validUntil) return { ok: false, code: "voucher_expired" };
  const revoked = await getList("revocations");
  if (revoked && revoked.ids.includes(claims.voucherId)) return { ok: false, code: "voucher_revoked" };
  return { ok: true };
}
async function rulesOf(programme) {
  const settings = await getList("settings");
  return settings?.body.programmes.find((p) => p.number === programme) ?? null;
}
function localDay(unix, offsetHours) {
  return new Date((unix + offsetHours * 3600) * 1000).toISOString().slice(0, 10);
}

// ---- Showing a voucher.
// A refusal's sentence in the page's language: every code's title comes with the page's messages.
function codeMessage(code) {
  if (code === "offline_lists_stale") return R.t("toko_lists_stale");
  const title = R.t("code." + code);
  return title === "code." + code ? code : title;
}
async function showVoucher(input) {
  const claims = parseToken(input);
  $("voucher").hidden = false;
  $("hasil").hidden = true;
  if (!claims) {
    $("v-verdict").textContent = R.t("toko_not_voucher");
    $("v-verdict").className = "alert";
    $("keranjang").hidden = true;
    return;
  }
  const rules = await rulesOf(claims.programme);
  current = { text: claims.text, claims, rules };
  $("v-nomor").textContent = claims.voucherId.slice(0, 8).toUpperCase();
  $("v-nilai").textContent = R.rupiah(claims.face);
  $("v-berlaku").textContent = new Date(claims.validUntil * 1000).toLocaleDateString(R.lang === "en" ? "en-GB" : "id-ID", { day: "numeric", month: "short", year: "numeric" });
  const verdict = await verifyOffline(claims);
  const offline = claims.offline && rules?.offline_allowed ? R.t("toko_offline_allowed") : R.t("toko_offline_not_allowed");
  $("v-verdict").textContent = verdict.ok ? `${R.t("toko_verdict_ok")} — ${offline}` : codeMessage(verdict.code);
  $("v-verdict").className = verdict.ok ? "ok" : "alert";
  $("v-saldo").textContent = "…";
  R.api("/v1/balance", { method: "POST", body: { token: claims.text } })
    .then((res) => {
      const known = res.status === 200;
      $("v-saldo").textContent = known ? R.rupiah(res.body.balance) : R.problemTitle(res.body);
      $("v-saldo").className = known ? "money big" : "";
    })
    .catch(() => { $("v-saldo").textContent = R.t("toko_balance_unknown"); $("v-saldo").className = ""; });
  lines = [];
  renderBasket();
  $("keranjang").hidden = false;
}

// ---- The basket: one large button per category of the programme.
function renderBasket() {
  const categories = current?.rules?.categories ?? ["protein_hewani", "susu", "sayur_buah", "mpasi", "pangan_fortifikasi"];
  const grid = $("kategori");
  grid.replaceChildren(...categories.map((c) => {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = c.replace(/_/g, " "); b.dataset.kategori = c; b.id = "kategori-" + c;
    b.addEventListener("click", () => { if (!lines.some((l) => l.category === c)) { lines.push({ category: c, amount: 0 }); renderBasket(); } $("jumlah-" + c)?.focus(); });
    return b;
  }));
  $("baris").replaceChildren(...lines.map((line) => {
    const row = document.createElement("div");
    row.className = "line";
    const label = document.createElement("label");
    label.htmlFor = "jumlah-" + line.category;
    label.textContent = `${R.t("toko_amount_of")} ${line.category.replace(/_/g, " ")}`;
    const input = document.createElement("input");
    input.id = "jumlah-" + line.category; input.inputMode = "numeric"; input.pattern = "[0-9]*"; input.autocomplete = "off";
    input.value = line.amount ? String(line.amount) : "";
    input.addEventListener("input", () => { line.amount = parseInt(input.value.replace(/\D/g, ""), 10) || 0; updateTotal(); });
    const remove = document.createElement("button");
    remove.type = "button"; remove.textContent = R.t("toko_remove");
    remove.addEventListener("click", () => { lines = lines.filter((l) => l !== line); renderBasket(); });
    row.append(label, input, remove);
    return row;
  }));
  updateTotal();
}
function updateTotal() {
  const total = lines.reduce((s, l) => s + l.amount, 0);
  $("total").textContent = R.rupiah(total);
  $("bayar").disabled = total <= 0 || lines.some((l) => l.amount <= 0);
}

// ---- Selling: the attempt is kept first, then sent with retries under its key.
const freshKey = () => "tk-" + hex(crypto.getRandomValues(new Uint8Array(16)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function send(sale, queued = false) {
  // A sale synced from the offline queue says so (counted by the server's metrics only).
  const headers = queued ? { "Idempotency-Key": sale.key, "Relasi-Offline-Sale": "1" } : { "Idempotency-Key": sale.key };
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await sleep(Math.random() * Math.min(3000, 250 * 2 ** attempt));
    try {
      const res = await R.api("/v1/redemptions", { method: "POST", body: sale.body, headers });
      if (res.status < 500) return res;
    } catch { /* unreachable: retry with the same key */ }
  }
  return null;
}
const isFinal = (res) => res.status === 201 || res.status === 409 || res.status === 422 ||
  ["voucher_unknown", "merchant_inactive"].includes(res.body?.code);
async function settle(sale, res) {
  sale.state = res.status === 201 ? "accepted" : "declined";
  sale.code = res.status === 201 ? null : res.body?.code ?? String(res.status);
  sale.receipt = res.status === 201 ? res.body : null;
  await putSale(sale);
}

// The offline judgement and the queueing, in one IndexedDB transaction (docs/offline.md). A
// refusal is final: the attempt is kept as "refused" with its code, and the queue never sends it
// (the customer was told no). Only an attempt left "sending" by a closed page is resent.
async function queueOffline(sale, claims) {
  const code = await judgeOffline(sale, claims).catch(() => "internal");
  if (code) await refuse(sale, code);
  return code;
}
async function refuse(sale, code) {
  sale.state = "refused";
  sale.code = code;
  await putSale(sale);
}
async function judgeOffline(sale, claims) {
  const verdict = await verifyOffline(claims);
  if (!verdict.ok) return verdict.code;
  const rules = await rulesOf(claims.programme);
  if (!claims.offline || !rules?.offline_allowed) return "offline_not_allowed";
  const age = await listsAge();
  if (age === null || age < 0 || age > rules.max_list_age_secs) return "offline_lists_stale";
  if (sale.body.items.some((i) => !rules.categories.includes(i.category))) return "category_not_allowed";
  sale.day = localDay(sale.createdAt, rules.utc_offset_hours);
  return withStore("sales", "readwrite", (store, done) => {
    store.getAll().onsuccess = (e) => {
      const held = e.target.result.filter((s) => s.offline && (s.state === "pending" || s.state === "accepted"));
      const voucherDay = held.filter((s) => s.voucherId === sale.voucherId && s.day === sale.day).reduce((a, s) => a + s.amount, 0);
      const voucherAll = held.filter((s) => s.voucherId === sale.voucherId).reduce((a, s) => a + s.amount, 0);
      const pending = held.filter((s) => s.state === "pending");
      const shopRp = pending.reduce((a, s) => a + s.amount, 0);
      let refusal = null;
      if (voucherDay + sale.amount > Number(rules.voucher_day_rp) || voucherAll + sale.amount > claims.face) refusal = "offline_voucher_limit";
      else if (pending.length + 1 > rules.shop_unsynced_count || shopRp + sale.amount > Number(rules.shop_unsynced_rp)) refusal = "offline_shop_limit";
      if (refusal) { sale.state = "refused"; sale.code = refusal; } else { sale.state = "pending"; sale.offline = true; }
      store.put(sale);
      done(refusal);
    };
  });
}

async function pay() {
  if (!current) return;
  $("bayar").disabled = true;
  $("bayar").textContent = R.t("toko_sending");
  const amount = lines.reduce((s, l) => s + l.amount, 0);
  const sale = {
    key: freshKey(), seq: Date.now(), createdAt: nowUnix(), voucherId: current.claims.voucherId, amount,
    offline: false, state: "sending",
    body: { token: current.text, amount: String(amount), items: lines.map((l) => ({ category: l.category, amount: String(l.amount) })) },
  };
  await putSale(sale);
  const res = await send(sale);
  if (res) {
    await settle(sale, res);
    showResult(sale, res.body);
  } else {
    const refusal = await queueOffline(sale, current.claims);
    showResult(sale, refusal ? { code: refusal } : null);
  }
  $("bayar").textContent = R.t("toko_pay");
  await refresh();
}

function showResult(sale, body) {
  $("hasil").hidden = false;
  $("keranjang").hidden = true;
  const title = $("hasil-judul");
  if (sale.state === "accepted") {
    title.textContent = R.t("toko_accepted");
    title.className = "ok";
    $("hasil-jumlah").textContent = R.rupiah(body.amount);
    $("hasil-detail").textContent = `${R.t("toko_balance_after")}: ${R.rupiah(body.balance_after)} · ${R.t("toko_receipt_no")} #${body.redemption_id}`;
  } else if (sale.state === "pending") {
    title.textContent = R.t("toko_queued");
    title.className = "notice";
    $("hasil-jumlah").textContent = R.rupiah(sale.amount);
    $("hasil-detail").textContent = "";
  } else {
    title.textContent = sale.state === "declined" ? R.t("toko_declined") : R.t("toko_offline_refused");
    title.className = "alert";
    $("hasil-jumlah").textContent = R.rupiah(sale.amount);
    $("hasil-detail").textContent = R.problemTitle(body) || codeMessage(body?.code ?? "");
  }
}

// ---- The queue: in order, each with its original key and body; settled only on a final answer.
async function syncQueue() {
  if (syncing) return;
  syncing = true;
  try {
    const cutoff = nowUnix() - ABANDONED_AFTER_SECS;
    const waiting = (await allSales())
      .filter((s) => s.state === "pending" || (s.state === "sending" && s.createdAt <= cutoff))
      .sort((a, b) => a.seq - b.seq);
    for (const sale of waiting) {
      const res = await send(sale, true);
      if (!res || !isFinal(res)) break;
      await settle(sale, res);
    }
  } finally {
    syncing = false;
  }
}

// ---- Today's sales: the server's list, then what waits on this phone.
async function refresh() {
  const local = await allSales();
  const pending = local.filter((s) => s.state === "pending");
  $("antrean-count").textContent = String(pending.length);
  const rows = [];
  try {
    const res = await R.api("/v1/redemptions");
    setOnline(true);
    if (res.status === 200) {
      for (const e of res.body.entries) rows.push(saleRow(e));
    }
  } catch { setOnline(false); }
  for (const s of pending) rows.push(pendingRow(s));
  if (!rows.length) {
    const tr = document.createElement("tr"); const td = document.createElement("td");
    td.colSpan = 4; td.textContent = R.t("toko_no_sales"); tr.append(td); rows.push(tr);
  }
  $("penjualan").replaceChildren(...rows);
  const age = await listsAge();
  $("daftar-umur").textContent = age === null ? "" : `${R.t("toko_lists_age")}: ${new Date((nowUnix() - age) * 1000).toLocaleString(R.lang === "en" ? "en-GB" : "id-ID")}`;
}
function cell(text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; }
function saleRow(e) {
  const tr = document.createElement("tr");
  const time = new Date(e.created_at_us / 1000).toLocaleTimeString(R.lang === "en" ? "en-GB" : "id-ID", { hour: "2-digit", minute: "2-digit" });
  const state = e.kind === "reversal" ? R.t("toko_reversed") : e.reversed_by ? R.t("toko_reversed") : R.t("toko_state_accepted");
  tr.append(cell(time), cell((e.kind === "reversal" ? "−" : "") + R.rupiah(e.amount), "num"), cell(state));
  const action = document.createElement("td");
  if (e.kind === "debit" && !e.reversed_by) {
    const b = document.createElement("button");
    b.type = "button"; b.className = "batal"; b.dataset.id = e.redemption_id; b.textContent = R.t("toko_reverse");
    b.addEventListener("click", () => reverse(e.redemption_id));
    action.append(b);
  }
  tr.append(action);
  return tr;
}
function pendingRow(s) {
  const tr = document.createElement("tr");
  tr.className = "pending";
  const time = new Date(s.createdAt * 1000).toLocaleTimeString(R.lang === "en" ? "en-GB" : "id-ID", { hour: "2-digit", minute: "2-digit" });
  tr.append(cell(time), cell(R.rupiah(s.amount), "num"), cell(R.t("toko_state_pending")), cell(""));
  return tr;
}
async function reverse(id) {
  if (!confirm(R.t("toko_reverse_confirm"))) return;
  await R.api(`/v1/redemptions/${id}/reversal`, { method: "POST", headers: { "Idempotency-Key": freshKey() } });
  await refresh();
}

function setOnline(online) {
  const badge = $("status");
  badge.textContent = online ? R.t("toko_online") : R.t("toko_offline");
  badge.classList.toggle("offline", !online);
}

// ---- Camera: BarcodeDetector where the browser has it, else frames to the server's decoder.
let stream = null;
async function startCamera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
  } catch {
    $("kamera-pesan").textContent = R.t("toko_camera_failed");
    return;
  }
  const video = $("kamera");
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  $("kamera-mulai").textContent = R.t("toko_camera_stop");
  $("kamera-pesan").textContent = R.t("toko_camera_looking");
  const detector = "BarcodeDetector" in globalThis ? new globalThis.BarcodeDetector({ formats: ["qr_code"] }) : null;
  const canvas = document.createElement("canvas");
  while (stream) {
    const text = detector ? await detectLocally(detector, video) : await detectOnServer(video, canvas);
    if (text && stream) { stopCamera(); $("kode").value = text; await showVoucher(text); return; }
    await sleep(400);
  }
}
async function detectLocally(detector, video) {
  try { const codes = await detector.detect(video); return codes.map((c) => c.rawValue).find((v) => parseToken(v) !== null) ?? null; } catch { return null; }
}
async function detectOnServer(video, canvas) {
  if (!video.videoWidth) return null;
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.85));
  try {
    const res = await fetch("/v1/scan", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": R.csrf, "Content-Type": "image/jpeg" }, body: blob });
    if (res.status !== 200) return null;
    return (await res.json()).token ?? null;
  } catch { return null; }
}
function stopCamera() {
  stream?.getTracks().forEach((t) => t.stop());
  stream = null;
  $("kamera").hidden = true;
  $("kamera-mulai").textContent = R.t("toko_camera_start");
  $("kamera-pesan").textContent = "";
}

// ---- Wiring. A failure the page did not expect is shown, never swallowed.
globalThis.addEventListener("unhandledrejection", (e) => { $("kamera-pesan").textContent = String(e.reason); });
globalThis.addEventListener("error", (e) => { $("kamera-pesan").textContent = String(e.message); });
$("kamera-mulai").addEventListener("click", () => (stream ? stopCamera() : startCamera()));
$("periksa").addEventListener("click", () => showVoucher($("kode").value));
$("bayar").addEventListener("click", pay);
$("baru").addEventListener("click", () => { current = null; $("hasil").hidden = true; $("voucher").hidden = true; $("kode").value = ""; });
$("sinkron").addEventListener("click", async () => { await syncLists().catch(() => false); await syncQueue(); await refresh(); });
globalThis.addEventListener("online", async () => { await syncQueue(); await refresh(); });
setInterval(async () => {
  const pending = (await allSales()).some((s) => s.state === "pending");
  if (pending) { await syncQueue(); await refresh(); }
}, 5000);
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/toko-sw.js", { scope: "/toko" }).catch(() => {});
(async () => {
  await syncLists().catch(() => false);
  await syncQueue().catch(() => {});
  await refresh();
  document.body.dataset.ready = "1";
})();
