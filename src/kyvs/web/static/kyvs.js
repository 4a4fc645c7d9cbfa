// kyvs pages work without JavaScript; this only improves them: a countdown to the OTP's expiry,
// the resend button enabled when the cooldown ends, auto-submit of a complete OTP, and the
// automatic return to the provider's website, and the proof-of-work challenge the server asks a
// citizen login form to carry under abuse, solved without the person doing anything.
(function () {
  "use strict";
  function seconds(iso) { return Math.max(0, Math.round((Date.parse(iso) - Date.now()) / 1000)); }
  function clock(s) { return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }

  document.querySelectorAll("[data-expires]").forEach(function (el) {
    function tick() {
      var left = seconds(el.dataset.expires);
      el.textContent = left > 0 ? el.dataset.label + " " + clock(left) : el.dataset.expiredText;
      if (left > 0) { setTimeout(tick, 1000); }
    }
    tick();
  });

  document.querySelectorAll("[data-resend-at]").forEach(function (button) {
    var label = button.textContent;
    function tick() {
      var left = seconds(button.dataset.resendAt);
      button.disabled = left > 0;
      button.textContent = left > 0 ? button.dataset.waitLabel + " " + clock(left) : label;
      if (left > 0) { setTimeout(tick, 1000); }
    }
    tick();
  });

  document.querySelectorAll("[data-autosubmit-length]").forEach(function (input) {
    var wanted = Number(input.dataset.autosubmitLength);
    input.addEventListener("input", function () {
      input.value = input.value.replace(/[^0-9]/g, "");
      if (input.value.length === wanted && input.form) { input.form.requestSubmit(); }
    });
  });

  // ALTCHA-format challenge: find n with SHA-256(salt + n) = challenge, in batches.
  function hex(buffer) {
    return Array.from(new Uint8Array(buffer), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  async function solve(c) {
    var encoder = new TextEncoder();
    for (var start = 0; start <= c.maxNumber; start += 500) {
      var batch = [];
      for (var n = start; n < start + 500 && n <= c.maxNumber; n++) {
        batch.push(crypto.subtle.digest("SHA-256", encoder.encode(c.salt + n)));
      }
      var hashes = await Promise.all(batch);
      for (var i = 0; i < hashes.length; i++) {
        if (hex(hashes[i]) === c.challenge) {
          var payload = { algorithm: c.algorithm, challenge: c.challenge, number: start + i,
                          salt: c.salt, signature: c.signature };
          return btoa(JSON.stringify(payload));
        }
      }
    }
    return "";
  }
  // Only a form the server has asked to carry a solution has a challenge: nothing is solved
  // (no phone's time or battery spent) until a client or a mobile shows abuse.
  document.querySelectorAll("form[data-challenge]").forEach(function (form) {
    if (!window.crypto || !crypto.subtle) { return; }  // the page then says to wait and retry
    var field = form.querySelector("input[name=challenge]");
    var solved = solve(JSON.parse(form.dataset.challenge)).catch(function () { return ""; });
    var sending = false;
    function send() { solved.then(function (solution) { field.value = solution; form.submit(); }); }
    form.addEventListener("submit", function (event) {
      if (sending) { return; }
      event.preventDefault();
      sending = true;
      send();
    });
    if ("resubmit" in form.dataset) { sending = true; send(); }  // the same request, now solved
  });

  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    setTimeout(function () { form.submit(); }, 2500);
  });
})();

// Web Share (with the card image when the phone can share files), for the citizen's card page.
(function () {
  "use strict";
  document.querySelectorAll("[data-share-url]").forEach(function (button) {
    if (!navigator.share) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      fetch(button.dataset.shareImage).then(function (r) { return r.blob(); }).then(function (blob) {
        var file = new File([blob], "kyvs-status.png", { type: "image/png" });
        var data = { title: button.dataset.shareTitle, url: button.dataset.shareUrl };
        if (navigator.canShare && navigator.canShare({ files: [file] })) { data.files = [file]; }
        return navigator.share(data);
      }).catch(function () { /* the person cancelled the share sheet */ });
    });
  });
})();
