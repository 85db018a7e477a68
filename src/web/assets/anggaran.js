// The budget page: the area picked in the wilayah lists goes into the plain form's hidden
// `kode_wilayah` field (the deepest level chosen), which the server checks like the API does.
const { wilayah } = globalThis.RELASI;

const picker = document.getElementById("anggaran-wilayah");
const code = document.getElementById("anggaran-kode");

function copy() {
  if (picker && code) code.value = wilayah.value(picker).code;
}

picker?.addEventListener("wilayah", copy);
document.getElementById("anggaran-form")?.addEventListener("submit", copy);
document.body.dataset.ready = "1";
