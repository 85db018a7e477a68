// The wilayah picker of the office pages: one list per level (provinsi, kabupaten, kecamatan,
// desa), each filled from GET /v1/wilayah?induk=CODE when the list above it is chosen. A
// fieldset's `data-awal` opens it at the visitor's own area; `data-deepest` says how far down
// it goes. Pages read the choice with RELASI.wilayah.value(fieldset).
const { api, t } = globalThis.RELASI;

function lists(fs) {
  return [...fs.querySelectorAll("select[data-level]")];
}

function clear(select) {
  const first = document.createElement("option");
  first.value = "";
  first.textContent = t("wilayah_choose");
  select.replaceChildren(first);
  select.disabled = true;
}

/** Fills the list of `level` with the areas under `parent` ("" for the provinces). */
async function fill(fs, level, parent) {
  const select = fs.querySelector(`select[data-level="${level}"]`);
  if (!select) return;
  clear(select);
  const res = await api(`/v1/wilayah${parent ? `?induk=${encodeURIComponent(parent)}` : ""}`);
  for (const w of res.status === 200 ? res.body : []) {
    const o = document.createElement("option");
    o.value = w.code;
    o.textContent = `${w.name} (${w.code})`;
    select.append(o);
  }
  select.disabled = false;
}

async function chosen(fs, select) {
  const level = Number(select.dataset.level);
  for (const s of lists(fs).filter((s) => Number(s.dataset.level) > level + 1)) clear(s);
  if (select.value) await fill(fs, level + 1, select.value);
  else {
    const next = fs.querySelector(`select[data-level="${level + 1}"]`);
    if (next) clear(next);
  }
  fs.dispatchEvent(new Event("wilayah", { bubbles: true }));
}

/** Opens the picker at `code` (each level above it chosen in turn). */
async function openAt(fs, code) {
  await fill(fs, 1, "");
  const parts = code ? code.split(".") : [];
  for (let i = 0; i < parts.length; i++) {
    const select = fs.querySelector(`select[data-level="${i + 1}"]`);
    if (!select) break;
    select.value = parts.slice(0, i + 1).join(".");
    if (select.value === "") break;
    await fill(fs, i + 2, select.value);
  }
}

/** The deepest area chosen ("" when none), and its level. */
function value(fs) {
  const picked = lists(fs).filter((s) => s.value);
  const last = picked[picked.length - 1];
  return last ? { code: last.value, level: Number(last.dataset.level), name: last.selectedOptions[0].textContent } : { code: "", level: 0, name: "" };
}

async function start(fs) {
  for (const s of lists(fs)) s.addEventListener("change", () => chosen(fs, s));
  await openAt(fs, fs.dataset.awal ?? "");
  fs.dataset.ready = "1";
}

globalThis.RELASI.wilayah = { value, openAt };
await Promise.all([...document.querySelectorAll(".wilayah-pilih")].map(start));
