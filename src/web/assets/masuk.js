// Sign-in by pairing QR: the admin's printed QR opens /masuk#pasang=rls_… in the phone's
// browser. The token is in the fragment, which the browser never sends to a server; this script
// moves it into the form, wipes it from the address bar and history, and signs in to the shop page.
const form = document.getElementById("token-form");
const match = /^#pasang=(rls_[a-z0-9]{1,120})$/.exec(location.hash);
history.replaceState(null, "", location.pathname + location.search);
if (form && match) {
  form.querySelector("#token").value = match[1];
  form.querySelector("input[name='next']").value = "/toko";
  form.submit();
}
