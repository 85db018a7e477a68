// The signing keys page's actions, through the same /v1 API as `relasi keys`: the first key,
// rotation (the old key keeps verifying for the days asked) and revocation.
const { api, t, problemTitle } = globalThis.RELASI;

const say = document.getElementById("kunci-pesan");

async function act(form, path, body, done) {
  const buttons = form.querySelectorAll("button");
  for (const b of buttons) b.disabled = true;
  say.className = "";
  say.textContent = t("admin_working");
  const res = await api(path, { method: "POST", body });
  if (res.status >= 300) {
    for (const b of buttons) b.disabled = false;
    say.className = "alert";
    say.textContent = problemTitle(res.body);
    return;
  }
  location.assign(`/admin/kunci?${done}=${res.body.kid}`);
}

document.getElementById("kunci-buat")?.addEventListener("submit", (e) => {
  e.preventDefault();
  act(e.target, "/v1/keys/generate", {}, "baru");
});
document.getElementById("kunci-rotasi")?.addEventListener("submit", (e) => {
  e.preventDefault();
  const days = Number(document.getElementById("kunci-hari").value);
  act(e.target, "/v1/keys/rotate", { verify_days: days }, "baru");
});
for (const li of document.querySelectorAll(".kunci-baris")) {
  li.querySelector(".kunci-cabut")?.addEventListener("click", () => {
    if (!confirm(t("keys_revoke_confirm"))) return;
    act(li, `/v1/keys/${li.dataset.kid}/revoke`, {}, "dicabut");
  });
}
const done = new URLSearchParams(location.search);
if (done.has("baru")) {
  say.className = "ok";
  say.textContent = `${t("keys_made")} ${done.get("baru")}`;
}
if (done.has("dicabut")) {
  say.className = "ok";
  say.textContent = `${t("keys_revoked_done")} ${done.get("dicabut")}`;
}
document.body.dataset.ready = "1";
