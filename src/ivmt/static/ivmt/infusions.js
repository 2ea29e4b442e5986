// Infusion charting. Loaded with `defer`; no inline scripts (CSP).
(function () {
  "use strict";

  // The board polls in the background (X-IVMT-Background: 1 does not keep the session
  // alive). When the session has ended, the poll is answered by the sign-in page: go there
  // instead of drawing it inside the board.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/account/login/") !== -1) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL);
    }
  });

  // The side-effect form: show the prompt for what was chosen; for signs of leaking and
  // serious reactions, tick "stop the infusion" and show the adverse-event fields.
  var select = document.getElementById("id_side_effect_id");
  if (!select) {
    return;
  }
  var prompts = {};
  document.querySelectorAll("[data-prompt-for]").forEach(function (item) {
    prompts[item.getAttribute("data-prompt-for")] = item;
  });
  var stop = document.getElementById("id_stop_infusion");
  var severity = document.getElementById("id_severity");
  var eventFields = document.querySelectorAll("[data-adverse-event-field]");

  function refresh(changed) {
    var chosen = prompts[select.value];
    Object.keys(prompts).forEach(function (key) {
      prompts[key].hidden = key !== select.value;
    });
    var kind = chosen ? chosen.getAttribute("data-kind") : "";
    var serious = kind === "serious" || (severity && severity.value === "severe");
    if (stop && changed) {
      stop.checked = kind === "serious" || kind === "extravasation";
    }
    eventFields.forEach(function (field) {
      field.hidden = !serious;
    });
  }
  select.addEventListener("change", function () { refresh(true); });
  if (severity) {
    severity.addEventListener("change", function () { refresh(false); });
  }
  refresh(false);
})();
