// kyvs pages work without JavaScript; this only improves them: a countdown to the OTP's expiry,
// the resend button enabled when the cooldown ends, auto-submit of a complete OTP, and the
// automatic return to the provider's website.
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
