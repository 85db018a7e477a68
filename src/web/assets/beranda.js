// The front door's balance check: the code typed from a card goes to POST /v1/balance (public,
// rate-limited) and the answer is shown; nothing is stored in the browser.
const { t, rupiah, problemTitle } = globalThis.RELASI;
const form = document.getElementById("saldo-form");
const out = document.getElementById("saldo-hasil");

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = document.getElementById("saldo-kode").value.trim();
  out.textContent = "…";
  try {
    const res = await fetch("/v1/balance", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token }), signal: AbortSignal.timeout(15000),
    });
    const body = await res.json().catch(() => null);
    if (res.ok && body) {
      out.textContent = `${t("home_balance_is")}: ${rupiah(body.balance)} · ${t("home_balance_status")}: ${body.status} · ${t("home_balance_valid_until")}: ${new Date(body.valid_until).toLocaleDateString(document.documentElement.lang === "en" ? "en-GB" : "id-ID")}`;
    } else {
      out.textContent = problemTitle(body) || String(res.status);
    }
  } catch {
    out.textContent = t("home_balance_offline");
  }
});
