// SLA countdowns: every element with data-deadline (Unix ms) shows the time
// left, or how long it is overdue, and its row turns red when it passes.
// Times are reckoned on the server's clock (data-now on the page), so a
// skewed laptop clock does not mislead.
(function () {
  "use strict";
  function human(ms) {
    var m = Math.floor(Math.max(ms, 0) / 60000);
    var d = Math.floor(m / 1440), h = Math.floor(m / 60) % 24, mm = m % 60;
    if (d > 0) return d + " d " + h + " h";
    if (h > 0) return h + " h " + mm + " min";
    if (mm > 0) return mm + " min";
    return "under a minute";
  }
  var holder = document.querySelector("[data-now]");
  var serverNow = holder ? Number(holder.getAttribute("data-now")) : Date.now();
  var offset = serverNow - Date.now();
  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      if (el.hasAttribute("data-responded")) return;
      var deadline = Number(el.getAttribute("data-deadline"));
      var late = now > deadline;
      el.textContent = late ? "overdue by " + human(now - deadline) : "due in " + human(deadline - now);
      var row = el.closest("tr") || el.parentElement;
      if (row) row.classList.toggle("overdue", late);
    });
  }
  tick();
  setInterval(tick, 30000);
})();
