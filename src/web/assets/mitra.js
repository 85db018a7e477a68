// The merchants page's actions, through the same /v1 API as curl and the CLI: registering a
// shop (then its bank account), suspending and reactivating one, and its phone's pairing QR.
const { api, t, problemTitle, wilayah } = globalThis.RELASI;

const say = document.getElementById("toko-pesan");

function tell(ok, text) {
  say.className = ok ? "ok" : "alert";
  say.textContent = text;
}

/** The service area chosen so far: the codes listed under the picker. */
function serviceArea() {
  return [...document.querySelectorAll("#toko-layanan-daftar li")].map((li) => li.dataset.code);
}

function addArea() {
  const fs = document.getElementById("toko-layanan");
  const { code, level, name } = wilayah.value(fs);
  if (level < 3) {
    tell(false, t("wilayah_missing"));
    return;
  }
  if (serviceArea().includes(code)) return;
  const li = document.createElement("li");
  li.dataset.code = code;
  const text = document.createElement("span");
  text.className = "tick-text";
  text.textContent = name;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = t("shops_remove");
  remove.addEventListener("click", () => li.remove());
  li.append(text, remove);
  document.getElementById("toko-layanan-daftar").append(li);
}

async function register(event) {
  event.preventDefault();
  const desa = wilayah.value(document.getElementById("toko-desa"));
  if (desa.level !== 4) {
    tell(false, t("wilayah_missing"));
    return;
  }
  const form = event.target;
  for (const b of form.querySelectorAll("button")) b.disabled = true;
  tell(true, t("admin_working"));
  const body = {
    name: document.getElementById("toko-nama").value,
    kode_desa: desa.code,
    service_area: serviceArea(),
    categories: [...form.querySelectorAll("input[name=kategori]:checked")].map((c) => c.value),
  };
  const res = await api("/v1/merchants", { method: "POST", body });
  for (const b of form.querySelectorAll("button")) b.disabled = false;
  if (res.status !== 201) {
    tell(false, problemTitle(res.body));
    return;
  }
  const bank = {
    bank_name: document.getElementById("toko-bank").value.trim() || null,
    bank_account: document.getElementById("toko-rekening").value.trim() || null,
    bank_holder: document.getElementById("toko-pemilik").value.trim() || null,
  };
  if (bank.bank_name || bank.bank_account || bank.bank_holder) {
    const b = await api(`/v1/merchants/${res.body.id}/bank`, { method: "PUT", body: bank });
    if (b.status !== 204) {
      tell(false, `${t("shops_bank_refused")} ${problemTitle(b.body)}`);
      return;
    }
  }
  // The list is the server's: show it again with the new shop in it.
  location.assign(`/admin/toko?baru=${res.body.id}`);
}

async function setStatus(li, action) {
  for (const b of li.querySelectorAll("button")) b.disabled = true;
  const res = await api(`/v1/merchants/${li.dataset.id}/${action}`, { method: "POST", body: {} });
  if (res.status !== 200) {
    for (const b of li.querySelectorAll("button")) b.disabled = false;
    tell(false, problemTitle(res.body));
    return;
  }
  location.assign(`/admin/toko?${action === "suspend" ? "ditangguhkan" : "diaktifkan"}=${li.dataset.id}`);
}

async function pair(li) {
  tell(true, t("admin_working"));
  const res = await api(`/v1/merchants/${li.dataset.id}/pairing`, {
    method: "POST", body: { base_url: location.origin },
  });
  if (res.status !== 201) {
    tell(false, problemTitle(res.body));
    return;
  }
  say.textContent = "";
  say.className = "";
  document.getElementById("pasang-toko").textContent = res.body.merchant_name;
  document.getElementById("pasang-qr").src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(res.body.qr_svg)}`;
  const card = document.getElementById("pasang");
  card.hidden = false;
  card.scrollIntoView();
  document.body.dataset.paired = li.dataset.id;
}

const done = new URLSearchParams(location.search);
if (done.has("baru")) tell(true, t("shops_registered"));
if (done.has("ditangguhkan")) tell(true, t("shops_suspended"));
if (done.has("diaktifkan")) tell(true, t("shops_reactivated"));
for (const li of document.querySelectorAll(".toko-baris")) {
  li.querySelector(".toko-tangguhkan")?.addEventListener("click", () => setStatus(li, "suspend"));
  li.querySelector(".toko-aktifkan")?.addEventListener("click", () => setStatus(li, "reactivate"));
  li.querySelector(".toko-pasang")?.addEventListener("click", () => pair(li));
}
document.getElementById("toko-layanan-tambah")?.addEventListener("click", addArea);
document.getElementById("toko-form")?.addEventListener("submit", register);
document.getElementById("pasang-cetak")?.addEventListener("click", () => print());
document.body.dataset.ready = "1";
