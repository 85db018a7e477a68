// The family's balance page: the token comes from the card link's path (/V/RLS1:…), the camera
// (BarcodeDetector, where the browser has it) or the code typed in; the address is replaced by
// /saldo before anything else, so the token stays out of history. Asks POST /v1/balance.
const { t, rupiah, api, problemTitle, lang } = globalThis.RELASI;
const $ = (id) => document.getElementById(id);

const fromPath = /^\/v\/(.+)$/i.exec(location.pathname);
if (fromPath) history.replaceState(null, "", "/saldo" + location.search);

const STATUS = { active: "saldo_status_active", expired: "saldo_status_expired", revoked: "saldo_status_revoked", not_yet_valid: "saldo_status_not_yet" };
const KIND = { debit: "saldo_kind_debit", reversal: "saldo_kind_reversal", move_out: "saldo_kind_move" };
const day = (iso) => new Date(iso).toLocaleDateString(lang === "en" ? "en-GB" : "id-ID", { day: "numeric", month: "long", year: "numeric" });

function row(cells) {
  const tr = document.createElement("tr");
  cells.forEach((text, i) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (i === cells.length - 1) td.className = "num money";
    tr.append(td);
  });
  return tr;
}

function show(body) {
  $("saldo-sisa").textContent = rupiah(body.balance);
  $("saldo-nilai").textContent = rupiah(body.face_value);
  $("saldo-status").textContent = t(STATUS[body.status] ?? body.status);
  $("saldo-berlaku").textContent = day(body.valid_until);
  const moved = lang === "en" ? body.message_en : body.pesan;
  $("saldo-pindah").hidden = !moved;
  $("saldo-pindah").textContent = moved ?? "";
  const rows = (body.recent ?? []).map((e) => {
    const sign = e.kind === "reversal" ? "+" : "−";
    return row([day(e.at), e.shop || t(KIND[e.kind] ?? e.kind), `${sign}${rupiah(e.amount)}`]);
  });
  $("saldo-riwayat").replaceChildren(...(rows.length ? rows : [row([t("saldo_no_recent"), "", ""])]));
  $("saldo-hasil").hidden = false;
}

async function check(token) {
  $("saldo-pesan").textContent = t("saldo_checking");
  try {
    const res = await api("/v1/balance", { method: "POST", body: { token: token.trim() } });
    if (res.status === 200) {
      $("saldo-pesan").textContent = "";
      show(res.body);
    } else {
      $("saldo-hasil").hidden = true;
      $("saldo-pesan").textContent = problemTitle(res.body) || String(res.status);
    }
  } catch {
    $("saldo-pesan").textContent = "…";
  }
  document.body.dataset.ready = "1";
}

$("saldo-form").addEventListener("submit", (event) => {
  event.preventDefault();
  check($("saldo-kode").value);
});

// The camera, where the browser can read QR codes itself.
if ("BarcodeDetector" in globalThis) {
  const button = $("saldo-pindai");
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      const detector = new BarcodeDetector({ formats: ["qr_code"] });
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      const video = $("saldo-kamera");
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const look = async () => {
        const codes = await detector.detect(video).catch(() => []);
        if (codes.length) {
          stream.getTracks().forEach((track) => track.stop());
          video.hidden = true;
          check(codes[0].rawValue);
        } else {
          requestAnimationFrame(look);
        }
      };
      look();
    } catch {
      $("saldo-pesan").textContent = t("saldo_camera_failed");
    }
  });
}

if (fromPath) check(decodeURIComponent(fromPath[1]));
else document.body.dataset.ready = "1";
