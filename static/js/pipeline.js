// Drag and drop on the pipeline board, as an enhancement of the move forms: dropping a
// card on a column selects that stage in the card's form and submits it.
(function () {
  "use strict";
  var dragged = null;
  document.querySelectorAll(".card[draggable=true]").forEach(function (card) {
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
    });
  });
  document.querySelectorAll(".column[data-stage]").forEach(function (column) {
    column.addEventListener("dragover", function (event) { event.preventDefault(); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!dragged) { return; }
      var form = dragged.querySelector("form");
      var select = form.querySelector("select[name=stage]");
      if (select.value === column.getAttribute("data-stage")) { return; }
      select.value = column.getAttribute("data-stage");
      form.submit();
    });
  });
})();
