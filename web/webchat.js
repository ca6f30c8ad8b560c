// Leitplanke website chat widget. Add to a page with
//   <script src="https://HUB/webchat.js" data-channel="CHANNEL" async></script>
// It talks only to the hub it was loaded from. No cookies: the chat session
// id is kept in localStorage so a visitor sees the conversation after a
// reload. German or English after the browser's language.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var channel = script.getAttribute("data-channel");
  var base = new URL(script.src).origin;
  var api = base + "/api/v1/webchat/" + encodeURIComponent(channel);
  var de = (navigator.language || "de").toLowerCase().indexOf("de") === 0;
  var t = de
    ? { open: "Chat", title: "Schreiben Sie uns", send: "Senden", name: "Ihr Name (optional)",
        placeholder: "Ihre Nachricht …", error: "Senden fehlgeschlagen. Bitte erneut versuchen.",
        you: "Sie", agent: "Team" }
    : { open: "Chat", title: "Write to us", send: "Send", name: "Your name (optional)",
        placeholder: "Your message …", error: "Sending failed. Please try again.",
        you: "You", agent: "Team" };
  var key = "leitplanke-webchat-" + channel;
  var session = null;
  try { session = localStorage.getItem(key); } catch (e) { /* storage blocked */ }
  var openedAt = 0, lastId = 0, timer = null, counter = 0;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }
  var root = el("div", { "class": "lp-webchat", style:
    "position:fixed;right:16px;bottom:16px;z-index:2147483000;font:14px/1.4 system-ui,sans-serif" });
  var button = el("button", { type: "button", "aria-expanded": "false", style:
    "border:0;border-radius:24px;padding:10px 18px;background:#1f4e79;color:#fff;cursor:pointer" },
    t.open);
  var panel = el("div", { role: "dialog", "aria-label": t.title, hidden: "", style:
    "width:320px;max-height:460px;display:flex;flex-direction:column;background:#fff;" +
    "border:1px solid #ccc;border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.2)" });
  var head = el("div", { style: "padding:10px;background:#1f4e79;color:#fff;border-radius:8px 8px 0 0" },
    t.title);
  var log = el("div", { "aria-live": "polite", style: "flex:1;overflow:auto;padding:8px;min-height:160px" });
  var form = el("form", { style: "display:flex;flex-direction:column;gap:4px;padding:8px" });
  var name = el("input", { type: "text", placeholder: t.name, maxlength: "100", "aria-label": t.name });
  var trap = el("input", { type: "text", name: "website", tabindex: "-1", autocomplete: "off",
    "aria-hidden": "true", style: "position:absolute;left:-9999px" });
  var text = el("textarea", { rows: "3", maxlength: "4000", required: "", placeholder: t.placeholder,
    "aria-label": t.placeholder });
  var send = el("button", { type: "submit" }, t.send);
  var status = el("div", { role: "status", style: "color:#a00;min-height:1em" });
  form.append(name, trap, text, send, status);
  panel.append(head, log, form);
  root.append(panel, button);

  function show(from, body) {
    var line = el("div", { style: "margin:4px 0;" + (from === "agent" ? "" : "text-align:right") });
    var bubble = el("span", { style: "display:inline-block;padding:6px 10px;border-radius:12px;" +
      "white-space:pre-wrap;background:" + (from === "agent" ? "#eef3f8" : "#dcefdc") }, body);
    line.append(el("small", { style: "display:block;color:#666" }, from === "agent" ? t.agent : t.you),
      bubble);
    log.append(line);
    log.scrollTop = log.scrollHeight;
  }
  function ensureSession() {
    if (session) return Promise.resolve(session);
    return fetch(api + "/sessions", { method: "POST" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (j) {
      session = j.session;
      try { localStorage.setItem(key, session); } catch (e) { /* storage blocked */ }
      return session;
    });
  }
  function poll() {
    if (!session) return;
    fetch(api + "/messages?session=" + session + "&after=" + lastId).then(function (r) {
      return r.ok ? r.json() : { messages: [] };
    }).then(function (j) {
      j.messages.forEach(function (m) { lastId = Math.max(lastId, m.id); show(m.from, m.text); });
    }).catch(function () { /* next round */ });
  }
  button.addEventListener("click", function () {
    var open = panel.hasAttribute("hidden");
    if (open) { panel.removeAttribute("hidden"); openedAt = Date.now(); poll();
      timer = setInterval(poll, 4000); text.focus(); }
    else { panel.setAttribute("hidden", ""); clearInterval(timer); }
    button.setAttribute("aria-expanded", String(open));
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = text.value.trim();
    if (!body) return;
    status.textContent = "";
    send.disabled = true;
    var clientId = Date.now().toString(36) + "-" + (counter++);
    ensureSession().then(function (s) {
      // text/plain keeps this a simple request: no CORS preflight.
      return fetch(api + "/messages", { method: "POST", headers: { "Content-Type": "text/plain" },
        body: JSON.stringify({ session: s, client_id: clientId, name: name.value, text: body,
          website: trap.value, opened_ms: Date.now() - openedAt }) });
    }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      text.value = "";
      setTimeout(poll, 300);
    }).catch(function () { status.textContent = t.error; })
      .finally(function () { send.disabled = false; });
  });
  if (document.body) document.body.append(root);
  else document.addEventListener("DOMContentLoaded", function () { document.body.append(root); });
})();
