// The lokus page: desa picked from the wilayah tree are put on a list, each as a hidden `desa`
// field of the plain form, which posts them all at once (the server marks them through the use
// case the API calls).
const { t, wilayah } = globalThis.RELASI;

const picker = document.getElementById("lokus-desa");
const list = document.getElementById("lokus-pilihan");
const say = document.getElementById("lokus-pesan");
const none = document.getElementById("lokus-pilihan-kosong");

function tell(text) {
  say.className = text ? "alert" : "";
  say.textContent = text;
}

function chosen() {
  return [...list.querySelectorAll("input[name=desa]")].map((i) => i.value);
}

function showEmpty() {
  none.hidden = list.children.length > 0;
}

function put() {
  const { code, level, name } = wilayah.value(picker);
  if (level !== 4) {
    tell(t("lokus_pick_desa"));
    return;
  }
  tell("");
  if (chosen().includes(code)) return;
  const li = document.createElement("li");
  li.dataset.code = code;
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "desa";
  field.value = code;
  const text = document.createElement("span");
  text.className = "tick-text";
  text.textContent = name;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = t("lokus_unpick");
  remove.setAttribute("aria-label", `${t("lokus_unpick")}: ${name}`);
  remove.addEventListener("click", () => {
    li.remove();
    showEmpty();
  });
  li.append(field, text, remove);
  list.append(li);
  showEmpty();
}

document.getElementById("lokus-masukkan")?.addEventListener("click", put);
// A desa still in the lists when the form is sent goes with the others.
document.getElementById("lokus-form")?.addEventListener("submit", () => {
  if (wilayah.value(picker).level === 4) put();
});
document.body.dataset.ready = "1";
