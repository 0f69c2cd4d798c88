// Drag-and-drop reordering of policy lists (rating rules, credit cases, …).
// Rows carry data-reorder-item and data-index (their index when the page was rendered); on drop
// the new order of those indices is posted through the list's hidden htmx form, and the server
// answers with the list as stored. The ↑ ↓ buttons do the same without a mouse.
(function () {
  "use strict";
  let dragged = null;

  function rowOf(event) {
    return event.target instanceof Element ? event.target.closest("[data-reorder-item]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    const row = rowOf(event);
    if (!row) return;
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.index);
  });

  document.addEventListener("dragover", function (event) {
    const row = rowOf(event);
    if (!dragged || !row || row === dragged || row.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    const box = row.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
  });

  document.addEventListener("drop", function (event) {
    if (dragged && rowOf(event)) event.preventDefault();
  });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    const row = dragged;
    dragged = null;
    row.classList.remove("dragging");
    const list = row.closest("[data-reorder-list]");
    const form = list && list.closest("#items").querySelector("form.reorder-form");
    if (!form) return;
    const order = Array.from(list.querySelectorAll("[data-reorder-item]"), (r) => r.dataset.index);
    if (order.every((value, position) => Number(value) === position)) return;
    form.querySelectorAll("input[name=order]").forEach((input) => input.remove());
    order.forEach(function (value) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "order";
      input.value = value;
      form.append(input);
    });
    form.requestSubmit();
  });
})();
