// The kader's page: where the phone's browser has BarcodeDetector (Chrome for Android), a card
// held to the camera is recorded as handed over on the chosen date through the same /v1 API
// the ticked list reaches through its form; elsewhere the list works alone.
const { api, t, problemTitle } = globalThis.RELASI;
const button = document.getElementById("kader-pindai");
const video = document.getElementById("kader-kamera");
const say = (text) => { document.getElementById("kader-pesan").textContent = text; };
const form = document.getElementById("serah-form");

async function scan() {
  const detector = new BarcodeDetector({ formats: ["qr_code"] });
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch {
    say(t("kader_scan_failed"));
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  say(t("kader_scan_looking"));
  const period = form.querySelector("input[name='periode']").value;
  for (;;) {
    const codes = await detector.detect(video).catch(() => []);
    const text = codes.map((c) => c.rawValue).find((v) => /RLS1:/i.test(v));
    if (text) {
      const on = document.getElementById("tanggal").value;
      const res = await api(`/v1/cycles/${period}/handovers`, { method: "POST", body: { cards: [text], on } });
      stream.getTracks().forEach((tr) => tr.stop());
      video.hidden = true;
      if (res.status === 201) {
        say(t("kader_scan_done"));
        location.reload();
      } else {
        say(problemTitle(res.body));
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

if (button && "BarcodeDetector" in globalThis && navigator.mediaDevices) {
  button.hidden = false;
  button.addEventListener("click", scan);
}
document.body.dataset.ready = "1";
