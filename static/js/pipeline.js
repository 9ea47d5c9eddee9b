// Drag and drop on the pipeline board, as an enhancement of the move forms. Without
// JavaScript a card moves with its column's "Move to" menu and the card's own Move
// button, which submits the column's form to the card's address (formaction). Dropping
// a card on another column does the same: it selects that column's stage in the menu of
// the card's column and presses the card's Move button.
(function () {
  "use strict";
  var dragged = null;
  document.querySelectorAll(".card[draggable=true]").forEach(function (card) {
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
    });
    card.addEventListener("dragend", function () { dragged = null; });
  });
  document.querySelectorAll(".column[data-stage]").forEach(function (column) {
    column.addEventListener("dragover", function (event) { event.preventDefault(); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!dragged) { return; }
      var button = dragged.querySelector("button[formaction]");
      var select = button && button.form && button.form.querySelector("select[name=stage]");
      if (!select || dragged.closest(".column") === column) { return; }
      select.value = column.getAttribute("data-stage");
      button.click();
    });
  });
})();
