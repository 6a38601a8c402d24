// Autosave on the page where staff write a contribution (reviews/contributions/write.html).
// The whole draft is posted to the page itself with action=autosave (the same CSRF and permission
// checks as Save draft) two seconds after typing stops, when the page is hidden (phone locked, app
// switched) or left, and when the connection comes back. It never submits.
// Typing the server hasn't confirmed is also kept in this tab (sessionStorage: gone when the tab
// closes, and only what the open page already shows), and put back after a reload or a sign-in,
// but only over the draft it was typed on, never over a newer save.
(function () {
  "use strict";
  const form = document.querySelector("form[data-autosave]");
  if (!form) { return; }
  const status = document.getElementById("draft-status");
  const reload = document.getElementById("draft-reload");
  const fields = Array.from(form.querySelectorAll("textarea"));
  const stashKey = "contribution-draft-" + form.dataset.autosave;
  const url = window.location.pathname; // the form posts to its own page (form.action is its "action" buttons)
  const AFTER_TYPING_MS = 2000;
  const KEEPALIVE_LIMIT = 60000; // browsers refuse keepalive bodies over 64 kB

  let version = form.dataset.draftVersion; // the draft the server holds, "" before the first save
  let saved = values(); // what that draft says, as far as this page knows
  let timer = null;
  let inFlight = 0;
  let again = false;
  let leaving = false;
  let failed = false;

  function values() {
    const out = {};
    fields.forEach(function (f) { out[f.name] = f.value; });
    return out;
  }

  function unsaved() {
    return fields.some(function (f) { return f.value !== saved[f.name]; });
  }

  function say(text, problem, offerReload) {
    status.textContent = text;
    const line = status.parentElement;
    line.classList.toggle("text-body-secondary", !problem);
    line.classList.toggle("text-danger-emphasis", !!problem);
    line.classList.toggle("is-problem", !!problem);
    reload.hidden = !offerReload;
  }

  function keep() {
    try {
      if (unsaved()) {
        sessionStorage.setItem(stashKey, JSON.stringify({ version: version, values: values() }));
      } else {
        sessionStorage.removeItem(stashKey);
      }
    } catch (e) { /* storage off or full: the server copy still works */ }
  }

  function notSaved(text, offerReload) {
    failed = true;
    say(text, true, offerReload);
    keep();
  }

  function offline() {
    notSaved("Not saved yet: no connection. Keep typing; it saves when you are back online.", false);
  }

  // One save at a time, so an older draft doesn't land after a newer one; but when the page is going
  // (hidden, closed) the latest is sent at once: waiting would lose it.
  function send(urgent) {
    clearTimeout(timer);
    if (!unsaved()) { return; }
    if (inFlight && urgent !== true) { again = true; return; }
    if (!navigator.onLine) { offline(); return; } // the "online" event sends it
    inFlight += 1;
    const sent = values();
    const body = new FormData();
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    fields.forEach(function (f) { body.append(f.name, sent[f.name]); });
    body.append("action", "autosave");
    const size = fields.reduce(function (n, f) { return n + sent[f.name].length; }, 0);
    // keepalive: the save still reaches the server when it was sent as the page closes.
    // redirect "manual": a signed-out person's save comes back as a redirect to sign in, not a page.
    fetch(url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { Accept: "application/json" }, keepalive: size < KEEPALIVE_LIMIT,
    }).then(function (response) {
      if (response.ok) {
        return response.json().then(function (data) {
          saved = sent;
          version = data.version;
          failed = false;
          say("Draft saved " + data.saved_at, false, false);
          keep();
        });
      }
      if (response.status === 400 || response.status === 409) {
        return response.json().then(function (data) { notSaved(data.message, true); });
      }
      notSaved("Not saved: you may have been signed out. What you typed is kept in this tab.", true);
    }).catch(offline).finally(function () {
      inFlight -= 1;
      if (again && !inFlight) { again = false; send(); }
    });
  }

  form.addEventListener("input", function () {
    keep();
    clearTimeout(timer);
    timer = setTimeout(function () { send(); }, AFTER_TYPING_MS);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && !leaving) { send(true); }
  });
  window.addEventListener("pagehide", function () { if (!leaving) { send(true); } });
  window.addEventListener("online", function () { send(); });
  // Submit and Save draft post the whole form themselves: no autosave racing them.
  form.addEventListener("submit", function () { leaving = true; clearTimeout(timer); });
  reload.addEventListener("click", function () { leaving = true; });
  window.addEventListener("beforeunload", function (event) {
    if (failed && !leaving && unsaved()) { event.preventDefault(); event.returnValue = ""; }
  });

  // A page shown after a refused submit holds typing the server never saved.
  if (form.hasAttribute("data-unsaved")) { saved = {}; }
  let kept = null;
  try { kept = JSON.parse(sessionStorage.getItem(stashKey) || "null"); } catch (e) { kept = null; }
  if (kept && kept.version === version && kept.values) {
    fields.forEach(function (f) {
      if (typeof kept.values[f.name] === "string") { f.value = kept.values[f.name]; }
    });
  }
  if (unsaved()) {
    say("Saving what you typed that wasn't saved yet…", false, false);
    send();
  } else {
    keep(); // drops a stash the server already has (or one typed on an older draft)
    if (!status.textContent.trim()) { say("Saved as a draft as you type.", false, false); }
  }
})();
