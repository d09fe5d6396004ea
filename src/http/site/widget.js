/* Docent chat widget. Embed with
 *   <script src="https://HOST/widget.js" data-docent-key="pk_..." async></script>
 * Optional: data-title, data-greeting, data-accent (CSS colour),
 * data-position ("right" | "left"), data-source-link (a URL template with
 * {path} {start} {end} {release} {n}), data-poll-ms.
 * Plain JavaScript, no dependencies; everything lives in a shadow root, and no
 * text from the model, the docs or a person is ever parsed as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var attr = function (name, fallback) {
    var v = script.getAttribute("data-" + name);
    return v === null || v === "" ? fallback : v;
  };
  var cfg = {
    key: attr("docent-key", ""),
    title: attr("title", "Ask a question"),
    greeting: attr("greeting", "Hi! Ask me about setup, configuration, the API or an error message. Answers cite the docs and code they come from."),
    accent: attr("accent", "#2457d6"),
    position: attr("position", "right") === "left" ? "left" : "right",
    sourceLink: attr("source-link", ""),
    pollMs: Math.max(200, Number(attr("poll-ms", 5000)) || 5000),
    base: new URL(script.src, location.href).origin
  };
  var storeKey = "docent:conversation:" + cfg.base + ":" + (cfg.key || "anonymous");

  var CSS = [
    ":host{all:initial!important;position:fixed!important;bottom:20px!important;z-index:2147483000!important;display:block!important;visibility:visible!important;opacity:1!important;transform:none!important;width:auto!important;height:auto!important;margin:0!important;padding:0!important;border:0!important}",
    ":host(.left){left:20px!important}:host(.right){right:20px!important}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:14px;line-height:1.45;color:#1d2330;letter-spacing:normal;text-transform:none;text-align:left}",
    "button{font:inherit;cursor:pointer;border-radius:6px;border:1px solid #cfd5e2;background:#fff;padding:4px 10px;margin:0}",
    "button:focus-visible,textarea:focus-visible,a:focus-visible{outline:2px solid var(--accent);outline-offset:2px}",
    ".launcher{width:56px;height:56px;border-radius:28px;border:0;background:var(--accent);color:#fff;font-size:24px;box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;padding:0}",
    ".launcher svg{width:26px;height:26px;fill:#fff}",
    ".panel{position:absolute;bottom:68px;width:min(380px,calc(100vw - 40px));height:min(560px,calc(100vh - 110px));background:#fff;border:1px solid #d5dae5;border-radius:12px;box-shadow:0 10px 32px rgba(0,0,0,.22);display:flex;flex-direction:column;overflow:hidden}",
    ":host(.right) .panel{right:0}:host(.left) .panel{left:0}",
    ".panel[hidden]{display:none}",
    "header{display:flex;align-items:center;gap:8px;padding:10px 12px;background:var(--accent)}",
    "header h2{flex:1;margin:0;font-size:15px;font-weight:600;color:#fff}",
    "header button{border:0;background:transparent;color:#fff;font-size:20px;line-height:1;padding:2px 6px}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px;background:#f7f8fb}",
    ".msg{max-width:92%;padding:8px 10px;border-radius:10px;background:#fff;border:1px solid #e1e5ee;overflow-wrap:anywhere}",
    ".msg.customer{align-self:flex-end;background:var(--accent);border-color:var(--accent)}",
    ".msg.customer,.msg.customer *{color:#fff}",
    ".msg.csm{border-left:4px solid #067647}",
    ".msg.notice{align-self:center;background:#ecfdf3;border-color:#abefc6;font-size:13px}",
    ".msg.error{align-self:center;background:#fdecea;border-color:#f5c2bd}",
    ".who{font-size:12px;color:#5c6477;margin-bottom:2px}",
    ".md p{margin:0 0 6px}.md p:last-child{margin-bottom:0}",
    ".md ul,.md ol{margin:4px 0 6px;padding-left:20px}",
    ".md code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px;background:#eef1f7;border-radius:3px;padding:0 3px}",
    ".md pre{margin:6px 0;padding:8px;background:#1d2330;border-radius:6px;overflow-x:auto}",
    ".md pre code{background:none;color:#e9edf5;padding:0;white-space:pre}",
    ".md a.cite{font-size:11px;vertical-align:super;text-decoration:none;color:var(--accent)}",
    ".cites{margin:6px 0 0;padding:6px 0 0 18px;border-top:1px solid #e1e5ee;font-size:12px}",
    ".cites li,.cites a,.cites span{font-size:12px}",
    ".cites a{color:var(--accent)}",
    ".release{margin:2px 0 0;font-size:11px;color:#5c6477}",
    ".rate{display:flex;gap:6px;margin-top:6px;align-items:center}",
    ".rate button{padding:1px 8px;font-size:12px}",
    ".ask-rate{font-size:12px;color:#5c6477}",
    "button:disabled{opacity:.5;cursor:default}",
    ".rate button[aria-pressed=true]{background:#eef1f7;border-color:var(--accent)}",
    ".status{padding:0 12px}",
    ".status:empty{display:none}",
    "form{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #e1e5ee;background:#fff;margin:0}",
    "textarea{flex:1;resize:none;border:1px solid #cfd5e2;border-radius:6px;padding:6px 8px;min-height:38px;max-height:120px;background:#fff;margin:0}",
    "form button{background:var(--accent);border-color:var(--accent);color:#fff}",
    "footer{padding:0 12px 10px;background:#fff;display:flex;justify-content:space-between;align-items:center}",
    "footer small{color:#5c6477;font-size:11px}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
  ].join("\n");

  // ---- DOM helpers: elements are built with textContent only. ----
  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        if (k === "text") node.textContent = props[k];
        else if (k === "className") node.className = props[k];
        else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), props[k]);
        else node.setAttribute(k, props[k]);
      });
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  // ---- Citations: the source-link template, only to http(s) URLs. ----
  function sourceUrl(c) {
    // RELEASES/… passages are the index's own change summaries: no source file.
    if (!cfg.sourceLink || /^RELEASES\//.test(c.path)) return null;
    var path = String(c.path).split("/").map(encodeURIComponent).join("/");
    var url = cfg.sourceLink
      .replace(/\{path\}/g, path)
      .replace(/\{start\}/g, String(c.start_line))
      .replace(/\{end\}/g, String(c.end_line))
      .replace(/\{release\}/g, encodeURIComponent(c.release || ""))
      .replace(/\{n\}/g, String(c.n));
    try {
      var u = new URL(url, location.href);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) { return null; }
  }
  function citeLabel(c) { return c.path + ":" + c.start_line + "-" + c.end_line; }

  // ---- Safe Markdown: fences, lists, paragraphs, `code`, **bold**, [n]. ----
  function inline(text, cites, parent) {
    var re = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\[(\d{1,2})\])/g, last = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      if (m[1]) parent.appendChild(el("code", { text: m[1].slice(1, -1) }));
      else if (m[2]) parent.appendChild(el("strong", { text: m[2].slice(2, -2) }));
      else {
        var c = cites && cites.filter(function (x) { return x.n === Number(m[4]); })[0];
        var url = c && sourceUrl(c);
        if (c) parent.appendChild(el(url ? "a" : "span", url
          ? { className: "cite", href: url, target: "_blank", rel: "noopener noreferrer", title: citeLabel(c), text: "[" + c.n + "]" }
          : { className: "cite", title: citeLabel(c), text: "[" + c.n + "]" }));
        else parent.appendChild(document.createTextNode(m[0]));
      }
      last = re.lastIndex;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
    return parent;
  }
  function markdown(text, cites) {
    var root = el("div", { className: "md" });
    var lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    var para = [], list = null, i = 0;
    function flush() {
      if (para.length) root.appendChild(inline(para.join(" "), cites, el("p")));
      para = [];
    }
    while (i < lines.length) {
      var line = lines[i];
      var fence = /^\s*```/.test(line);
      if (fence) {
        flush(); list = null;
        var code = [];
        i++;
        while (i < lines.length && !/^\s*```/.test(lines[i])) code.push(lines[i++]);
        i++;
        root.appendChild(el("pre", null, [el("code", { text: code.join("\n") })]));
        continue;
      }
      var item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
      if (item) {
        flush();
        var tag = item[1] ? "ul" : "ol";
        if (!list || list.tagName.toLowerCase() !== tag) { list = el(tag); root.appendChild(list); }
        list.appendChild(inline(item[3], cites, el("li")));
      } else if (/^\s*$/.test(line)) {
        flush(); list = null;
      } else {
        var heading = /^\s*#{1,6}\s+(.*)$/.exec(line);
        if (heading) { flush(); list = null; root.appendChild(el("p", null, [inline(heading[1], cites, el("strong"))])); }
        else { list = null; para.push(line.trim()); }
      }
      i++;
    }
    flush();
    return root;
  }

  // ---- Server-Sent Events over fetch (POST, so not EventSource). ----
  function readEvents(body, onEvent) {
    var reader = body.getReader(), decoder = new TextDecoder(), buffer = "";
    function dispatch(block) {
      var event = "message", data = [];
      block.split("\n").forEach(function (l) {
        if (l.indexOf("event:") === 0) event = l.slice(6).trim();
        else if (l.indexOf("data:") === 0) data.push(l.slice(5).replace(/^ /, ""));
      });
      if (data.length) {
        var parsed;
        try { parsed = JSON.parse(data.join("\n")); } catch (e) { return; }
        onEvent(event, parsed);
      }
    }
    function pump() {
      return reader.read().then(function (r) {
        if (r.done) { if (buffer.trim()) dispatch(buffer); return; }
        buffer += decoder.decode(r.value, { stream: true }).replace(/\r\n?/g, "\n");
        var cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          dispatch(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
        return pump();
      });
    }
    return pump();
  }

  function Widget() {
    var self = this;
    this.conversation = null;
    try { this.conversation = localStorage.getItem(storeKey); } catch (e) { /* storage off */ }
    this.seen = {};
    this.lastAnswer = null;
    this.withPerson = false;
    this.busy = false;
    this.pollTimer = null;

    var host = document.createElement("docent-chat");
    host.className = cfg.position;
    host.style.setProperty("--accent", cfg.accent);
    var root = host.attachShadow({ mode: "open" });
    root.appendChild(el("style", { text: CSS }));
    var titleId = "docent-title";
    this.launcher = el("button", {
      className: "launcher", type: "button", "aria-expanded": "false",
      "aria-controls": "docent-panel", "aria-label": "Open chat: " + cfg.title,
      onclick: function () { self.toggle(); }
    });
    var NS = "http://www.w3.org/2000/svg", icon = document.createElementNS(NS, "svg"), shape = document.createElementNS(NS, "path");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    shape.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    icon.appendChild(shape);
    this.launcher.appendChild(icon);
    this.log = el("div", { className: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    this.status = el("div", { className: "status", role: "status", "aria-live": "assertive" });
    this.input = el("textarea", { id: "docent-q", rows: "1", placeholder: "Type your question", "aria-label": "Your question", maxlength: "4000" });
    this.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); self.submit(); }
    });
    this.humanButton = el("button", { type: "button", className: "human", text: "Talk to a person", onclick: function () { self.askForPerson(); } });
    this.panel = el("div", { id: "docent-panel", className: "panel", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId, hidden: "" }, [
      el("header", null, [
        el("h2", { id: titleId, text: cfg.title }),
        el("button", { type: "button", className: "close", "aria-label": "Close chat", text: "\u00d7", onclick: function () { self.close(); } })
      ]),
      this.log,
      this.status,
      el("form", { onsubmit: function (e) { e.preventDefault(); self.submit(); } }, [
        this.input,
        el("button", { type: "submit", className: "send", text: "Send" })
      ]),
      el("footer", null, [this.humanButton, el("small", { text: "Answers come from the docs and code" })])
    ]);
    this.panel.addEventListener("keydown", function (e) { self.onKey(e); });
    root.appendChild(this.panel);
    root.appendChild(this.launcher);
    this.root = root;
    (document.body || document.documentElement).appendChild(host);
    this.host = host;
    this.add("assistant", markdown(cfg.greeting, []));
    if (this.conversation) this.loadHistory();
  }

  Widget.prototype.headers = function (json) {
    var h = { accept: "application/json" };
    if (json) h["content-type"] = "application/json";
    if (cfg.key) h["x-docent-key"] = cfg.key;
    return h;
  };

  Widget.prototype.request = function (method, path, body) {
    return window.fetch(cfg.base + path, {
      method: method, headers: this.headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit"
    }).then(function (res) {
      if (res.ok) return res.json();
      return res.json().catch(function () { return {}; }).then(function (b) {
        var err = new Error(b.message || "HTTP " + res.status);
        err.status = res.status; err.retryAfter = Number(res.headers.get("retry-after")) || 0;
        throw err;
      });
    });
  };

  Widget.prototype.toggle = function () { if (this.panel.hidden) this.open(); else this.close(); };
  Widget.prototype.open = function () {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", "Close chat: " + cfg.title);
    this.input.focus();
    this.log.scrollTop = this.log.scrollHeight;
  };
  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-label", "Open chat: " + cfg.title);
    this.launcher.focus();
  };
  // Focus stays in the open panel; Escape closes it.
  Widget.prototype.onKey = function (e) {
    if (e.key === "Escape") { e.preventDefault(); this.close(); return; }
    if (e.key !== "Tab") return;
    var items = Array.prototype.filter.call(
      this.panel.querySelectorAll("button, textarea, a[href]"),
      function (n) { return !n.disabled && n.getClientRects().length > 0; });
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1], active = this.root.activeElement;
    if (e.shiftKey && (active === first || !this.panel.contains(active))) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && (active === last || !this.panel.contains(active))) { e.preventDefault(); first.focus(); }
  };

  Widget.prototype.add = function (role, content, who) {
    var node = el("div", { className: "msg " + role });
    if (who) node.appendChild(el("div", { className: "who", text: who }));
    if (typeof content === "string") node.appendChild(el("div", { text: content }));
    else node.appendChild(content);
    this.log.appendChild(node);
    this.log.scrollTop = this.log.scrollHeight;
    return node;
  };

  Widget.prototype.remember = function (id) {
    if (!id || id === this.conversation) return;
    this.conversation = id;
    try { localStorage.setItem(storeKey, id); } catch (e) { /* storage off */ }
  };

  Widget.prototype.showError = function (err, retry) {
    var self = this, text;
    if (err && err.status === 429) text = "Too many questions right now. Try again in " + Math.max(1, err.retryAfter || 1) + " s.";
    else if (err && err.status) text = err.message;
    else text = "Couldn't reach the assistant. Check your connection and try again.";
    this.status.textContent = "";
    var box = el("div", { className: "msg error", role: "alert" }, [el("div", { text: text })]);
    if (retry) box.appendChild(el("button", { type: "button", className: "retry", text: "Retry", onclick: function () { self.status.textContent = ""; retry(); } }));
    this.status.appendChild(box);
  };

  Widget.prototype.submit = function () {
    var text = this.input.value.trim();
    if (!text || this.busy) return;
    this.input.value = "";
    this.add("customer", text);
    if (this.withPerson) this.sendToPerson(text);
    else this.ask(text);
  };

  Widget.prototype.rating = function (answer) {
    var self = this, row = el("div", { className: "rate" });
    var up = el("button", { type: "button", "aria-label": "Helpful", "aria-pressed": "false", text: "Yes" });
    var down = el("button", { type: "button", "aria-label": "Not helpful", "aria-pressed": "false", text: "No" });
    function rate(helpful) {
      self.request("POST", "/v1/messages/" + encodeURIComponent(answer.message_id) + "/feedback", { helpful: helpful })
        .then(function (r) {
          up.setAttribute("aria-pressed", String(helpful));
          down.setAttribute("aria-pressed", String(!helpful));
          if (r.escalation_offered && !row.querySelector(".offer")) {
            row.appendChild(el("button", { type: "button", className: "offer", text: "Talk to a person about this", onclick: function () { self.escalate(answer.message_id); } }));
          }
        }, function (err) { self.showError(err, function () { rate(helpful); }); });
    }
    up.addEventListener("click", function () { rate(true); });
    down.addEventListener("click", function () { rate(false); });
    row.appendChild(el("span", { className: "ask-rate", text: "Helpful?" }));
    row.appendChild(up); row.appendChild(down);
    return row;
  };

  Widget.prototype.renderAnswer = function (node, answer) {
    var body = node.querySelector(".body");
    body.textContent = "";
    if (answer.verified) body.appendChild(el("div", { className: "who verified", text: "Verified answer from " + answer.verified.verified_by }));
    body.appendChild(markdown(answer.answer, answer.citations));
    if (answer.citations && answer.citations.length && !answer.escalated) {
      // The sources the answer cites; all of them when it cites none by number.
      var cited = answer.citations.filter(function (c) { return answer.answer.indexOf("[" + c.n + "]") >= 0; });
      var list = el("ol", { className: "cites", "aria-label": "Sources" });
      (cited.length ? cited : answer.citations).forEach(function (c) {
        var url = sourceUrl(c);
        list.appendChild(el("li", { value: String(c.n) }, [url
          ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: citeLabel(c) })
          : el("span", { text: citeLabel(c) })]));
      });
      body.appendChild(list);
      // The release the sources are from (a verified answer's may be older).
      var releases = [];
      answer.citations.forEach(function (c) { if (c.release && releases.indexOf(c.release) < 0) releases.push(c.release); });
      if (releases.length) body.appendChild(el("p", { className: "release", text: "From release " + releases.join(", ") }));
    }
    if (answer.message_id && !answer.escalated) body.appendChild(this.rating(answer));
  };

  Widget.prototype.ask = function (question) {
    var self = this, cites = [], text = "";
    this.busy = true;
    var node = this.add("assistant", el("div", { className: "body" }));
    node.setAttribute("aria-busy", "true");
    var body = node.querySelector(".body");
    var payload = { question: question };
    if (this.conversation) payload.conversation_id = this.conversation;
    var finished = false;
    function draw() { body.textContent = ""; body.appendChild(markdown(text, cites)); self.log.scrollTop = self.log.scrollHeight; }
    window.fetch(cfg.base + "/v1/ask", {
      method: "POST", credentials: "omit",
      headers: Object.assign(this.headers(true), { accept: "text/event-stream" }),
      body: JSON.stringify(payload)
    }).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return {}; }).then(function (b) {
          var err = new Error(b.message || "HTTP " + res.status);
          err.status = res.status; err.retryAfter = Number(res.headers.get("retry-after")) || 0;
          throw err;
        });
      }
      return readEvents(res.body, function (event, data) {
        if (event === "citations") cites = data.citations || [];
        else if (event === "delta") { text += data.text || ""; draw(); }
        else if (event === "reset") { text = ""; draw(); }
        else if (event === "done") {
          finished = true;
          self.remember(data.conversation_id);
          self.lastAnswer = data.message_id;
          self.renderAnswer(node, data);
          if (data.escalated) self.handedOff(data.handoff);
        } else if (event === "error") {
          throw Object.assign(new Error(data.message || "The answer could not be saved."), { status: 500 });
        }
      }).then(function () {
        if (!finished) throw new Error("The answer was cut off.");
      });
    }).catch(function (err) {
      node.remove();
      self.showError(err, function () { self.ask(question); });
    }).then(function () {
      node.removeAttribute("aria-busy");
      self.busy = false;
    });
  };

  Widget.prototype.handedOff = function (handoff) {
    this.withPerson = true;
    if (handoff) {
      var hours = handoff.sla_hours, due = new Date(handoff.due_at);
      var within = hours % 24 === 0 && hours >= 24 ? (hours / 24) + (hours === 24 ? " day" : " days") : hours + (hours === 1 ? " hour" : " hours");
      this.add("notice", handoff.who + " will follow up here within " + within +
        " (by " + due.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" }) + "). You can keep writing; your messages go to them.");
    }
    this.humanButton.disabled = true;
    Array.prototype.forEach.call(this.log.querySelectorAll(".offer"), function (b) { b.remove(); });
    this.poll();
  };

  Widget.prototype.askForPerson = function () {
    if (this.withPerson || this.busy) return;
    if (this.lastAnswer) this.escalate(this.lastAnswer);
    else { this.add("customer", "I'd like to talk to a person."); this.ask("I'd like to talk to a person."); }
  };

  Widget.prototype.escalate = function (messageId) {
    var self = this;
    if (this.withPerson) return;
    this.request("POST", "/v1/messages/" + encodeURIComponent(messageId) + "/escalate")
      .then(function (r) { self.handedOff(r.handoff); },
        function (err) { self.showError(err, function () { self.escalate(messageId); }); });
  };

  Widget.prototype.sendToPerson = function (text) {
    var self = this;
    this.request("POST", "/v1/conversations/" + encodeURIComponent(this.conversation) + "/messages", { text: text })
      .then(function (r) { self.seen[r.message_id] = true; },
        function (err) { self.showError(err, function () { self.sendToPerson(text); }); });
  };

  Widget.prototype.show = function (m) {
    if (this.seen[m.id]) return;
    this.seen[m.id] = true;
    if (m.role === "customer") this.add("customer", m.text);
    else if (m.role === "csm") this.add("csm", markdown(m.text, []), m.author || "Support");
    else {
      var node = this.add("assistant", el("div", { className: "body" }));
      this.renderAnswer(node, { answer: m.text, citations: m.citations || [], message_id: m.id, escalated: false });
      this.lastAnswer = m.id;
    }
  };

  Widget.prototype.loadHistory = function () {
    var self = this;
    this.request("GET", "/v1/conversations/" + encodeURIComponent(this.conversation) + "/messages")
      .then(function (r) {
        r.messages.forEach(function (m) { self.show(m); });
        if (r.with_person) self.handedOff(r.handoff);
      }, function (err) {
        if (err.status === 404 || err.status === 401 || err.status === 403) {
          self.conversation = null;
          try { localStorage.removeItem(storeKey); } catch (e) { /* storage off */ }
        } else self.showError(err, function () { self.loadHistory(); });
      });
  };

  // While a person has the conversation, look for their replies.
  Widget.prototype.poll = function () {
    var self = this;
    clearTimeout(this.pollTimer);
    if (!this.withPerson || !this.conversation) return;
    this.pollTimer = setTimeout(function () {
      self.request("GET", "/v1/conversations/" + encodeURIComponent(self.conversation) + "/messages")
        .then(function (r) {
          r.messages.forEach(function (m) { if (m.role === "csm") self.show(m); else self.seen[m.id] = true; });
          if (!r.with_person) { self.withPerson = false; self.humanButton.disabled = false; }
        }, function () { /* try again next time */ })
        .then(function () { self.poll(); });
    }, cfg.pollMs);
  };

  function start() { new Widget(); }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
