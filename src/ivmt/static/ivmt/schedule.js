/* Day view: drag a booked visit onto a free cell to fill the move form (time, chair) and see
   its conflicts at once (htmx posts the form to the visit's check address on every change).
   The person then gives the reason and presses Move; without JavaScript, each visit's own page
   has the same form. Served as a file: the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";
  var panel = document.getElementById("move-panel");
  var form = document.getElementById("move-form");
  if (!panel || !form) { return; }
  var dragged = null;

  function open(visit, time, chair) {
    form.setAttribute("action", visit.dataset.moveUrl);
    form.setAttribute("hx-post", visit.dataset.checkUrl);
    document.getElementById("move-version").value = visit.dataset.version;
    document.getElementById("move-time").value = time;
    document.getElementById("move-chair").value = chair;
    document.getElementById("move-nurse").value = visit.dataset.nurse || "";
    var name = visit.querySelector("a");
    document.getElementById("move-who").textContent = name ? name.textContent : "";
    panel.classList.remove("d-none");
    if (window.htmx) {
      window.htmx.process(form);
      window.htmx.trigger(form, "change");
    }
    document.getElementById("move-reason").focus();
  }

  document.querySelectorAll(".sched-visit[draggable='true']").forEach(function (visit) {
    visit.addEventListener("dragstart", function (event) {
      dragged = visit;
      visit.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", visit.dataset.visit);
    });
    visit.addEventListener("dragend", function () {
      visit.classList.remove("dragging");
    });
  });
  document.querySelectorAll(".sched-free").forEach(function (cell) {
    cell.addEventListener("dragover", function (event) {
      if (dragged) { event.preventDefault(); cell.classList.add("drop-target"); }
    });
    cell.addEventListener("dragleave", function () { cell.classList.remove("drop-target"); });
    cell.addEventListener("drop", function (event) {
      event.preventDefault();
      cell.classList.remove("drop-target");
      if (dragged) { open(dragged, cell.dataset.time, cell.dataset.chair); dragged = null; }
    });
  });
  document.getElementById("move-cancel").addEventListener("click", function () {
    panel.classList.add("d-none");
  });
})();
