// The office pages' actions, through the same /v1 API as curl and the CLI: the registry upload
// (the file's bytes as they are, so a file that is not UTF-8 is refused as the CLI refuses it
// rather than decoded with replacement characters; every bad row named by its line: the header
// is line 1, as a spreadsheet shows it), opening and issuing a cycle.
const { api, t, rupiah, problemTitle, csrf } = globalThis.RELASI;

function facts(dl, pairs) {
  dl.replaceChildren();
  for (const [label, value] of pairs) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = String(value);
    dl.append(dt, dd);
  }
  dl.hidden = false;
}

// What a households import changed, each household counted once, on one line:
// "Baru 12 · Pindah desa 3 · Meninggal 1 · Berubah lain 4 · Tetap 980" (moved away and merged
// appear when there are any).
function changeLine(r) {
  const parts = [["import_new", r.inserted], ["import_moved_desa", r.moved_desa],
    ["import_moved_away", r.moved_away, true], ["import_deceased", r.deceased],
    ["import_merged", r.merged, true], ["import_other", r.other_changes], ["import_unchanged", r.unchanged]];
  return parts.filter(([, n, onlyIfAny]) => !onlyIfAny || n > 0).map(([key, n]) => `${t(key)} ${n}`).join(" · ");
}

async function upload(event) {
  event.preventDefault();
  const file = document.getElementById("berkas").files[0];
  const effective = document.getElementById("berlaku").value;
  const say = document.getElementById("impor-pesan");
  const errors = document.getElementById("impor-galat");
  const summary = document.getElementById("impor-ringkasan");
  const changes = document.getElementById("impor-perubahan");
  if (!file) return;
  errors.hidden = true;
  summary.hidden = true;
  changes.textContent = "";
  say.className = "";
  say.textContent = t("admin_working");
  const res = await fetch(`/v1/households/import?effective=${encodeURIComponent(effective)}`, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "text/csv", "X-CSRF-Token": csrf }, body: file,
  });
  const body = await res.json().catch(() => null);
  if (res.status === 200) {
    say.className = "ok";
    say.textContent = t("import_done");
    facts(summary, [[t("import_rows"), body.rows], ...(body.kind === "households" ? [] : [[t("import_new"), body.inserted]])]);
    if (body.kind === "households") changes.textContent = changeLine(body);
    return;
  }
  say.className = "alert";
  say.textContent = res.status === 422 && body?.errors ? t("import_refused") : problemTitle(body);
  const rows = errors.querySelector("tbody");
  rows.replaceChildren();
  for (const e of body?.errors ?? []) {
    const tr = document.createElement("tr");
    for (const [text, cls] of [[e.line, "num"], [e.field ?? "", ""], [e.reason ?? "", ""]]) {
      const td = document.createElement("td");
      td.textContent = String(text);
      if (cls) td.className = cls;
      tr.append(td);
    }
    rows.append(tr);
  }
  errors.hidden = rows.children.length === 0;
}

async function cycle(action) {
  const box = document.getElementById("siklus-aksi");
  const period = box.dataset.period;
  const say = document.getElementById("siklus-pesan");
  const progress = document.getElementById("siklus-progres");
  const result = document.getElementById("siklus-hasil");
  for (const b of box.querySelectorAll("button")) b.disabled = true;
  progress.hidden = false;
  say.className = "";
  say.textContent = t("admin_working");
  const res = action === "open"
    ? await api("/v1/cycles", { method: "POST", body: { period }, timeoutMs: 60000 })
    : await api(`/v1/cycles/${period}/issue`, { method: "POST", body: {}, timeoutMs: 600000 });
  progress.hidden = true;
  for (const b of box.querySelectorAll("button")) b.disabled = false;
  if (res.status >= 300) {
    say.className = "alert";
    say.textContent = problemTitle(res.body);
    return;
  }
  say.className = "ok";
  if (action === "open") {
    say.textContent = t("cycle_opened");
    return;
  }
  say.textContent = t("cycle_issued");
  const r = res.body;
  facts(result, [[t("cycle_eligible"), r.eligible], [t("cycle_issued"), r.issued],
    [t("cycle_skipped_ineligible"), r.skipped_ineligible], [t("cycle_skipped_budget"), r.skipped_budget],
    [t("cycle_total_value"), rupiah(r.total_value)]]);
  document.body.dataset.issued = "1";
}

// A lost card: revoke it, or replace it (its balance moves to a newly signed card), then print
// the new card's QR from this page.
async function lostCard(box, action) {
  const say = document.getElementById("kartu-pesan");
  for (const b of box.querySelectorAll("button")) b.disabled = true;
  const res = await api(`/v1/vouchers/${box.dataset.id}/${action}`, { method: "POST", body: {} });
  say.className = res.status < 300 ? "ok" : "alert";
  if (res.status >= 300) {
    say.textContent = problemTitle(res.body);
    for (const b of box.querySelectorAll("button")) b.disabled = false;
    return;
  }
  box.hidden = true;
  if (action === "revoke") {
    say.textContent = t("lost_revoked");
    return;
  }
  const v = res.body;
  say.textContent = t("lost_replaced");
  document.getElementById("kartu-baru-nomor").textContent = v.card_number;
  document.getElementById("kartu-baru-nilai").textContent = rupiah(v.face_value);
  document.getElementById("kartu-baru-berlaku").textContent = new Date(v.valid_until).toLocaleDateString(document.documentElement.lang);
  const img = document.getElementById("kartu-baru-qr");
  img.src = `/v1/vouchers/${v.id}/qr.svg`;
  document.getElementById("kartu-baru").hidden = false;
  document.getElementById("kartu-baru").scrollIntoView();
  document.body.dataset.replaced = v.card_number;
}

for (const box of document.querySelectorAll(".kartu-aksi")) {
  box.querySelector(".kartu-ganti")?.addEventListener("click", () => lostCard(box, "replace"));
  box.querySelector(".kartu-cabut")?.addEventListener("click", () => lostCard(box, "revoke"));
}
document.getElementById("kartu-cetak")?.addEventListener("click", () => print());
document.getElementById("impor-form")?.addEventListener("submit", upload);
document.getElementById("siklus-buka")?.addEventListener("click", () => cycle("open"));
document.getElementById("siklus-terbit")?.addEventListener("click", () => cycle("issue"));
document.body.dataset.ready = "1";
