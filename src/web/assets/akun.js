// The accounts and tokens page: its forms are plain posts that work without this script; it
// only copies the area picked in a wilayah picker into the form's `wilayah` field and asks
// before disabling an account or revoking a token.
const { t } = globalThis.RELASI;

for (const fs of document.querySelectorAll(".wilayah-pilih")) {
  const field = document.getElementById(`${fs.id}-kode`);
  fs.addEventListener("wilayah", () => {
    field.value = globalThis.RELASI.wilayah.value(fs).code;
  });
}
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (e) => {
    if (!confirm(t(form.dataset.confirm))) e.preventDefault();
  });
}
document.body.dataset.ready = "1";
