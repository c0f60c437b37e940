// Click a cell, then another: the block between them goes into the form (sheet and A1 range).
(function () {
  const table = document.getElementById("cells");
  const block = document.getElementById("id_block");
  const sheet = document.getElementById("id_sheet");
  if (!table || !block) return;
  let first = null;
  table.addEventListener("click", function (event) {
    const cell = event.target.closest("td[data-ref]");
    if (!cell) return;
    if (sheet) sheet.value = table.dataset.sheet;
    if (first === null) {
      first = cell.dataset.ref;
      block.value = first;
    } else {
      block.value = first + ":" + cell.dataset.ref;
      first = null;
    }
    table.querySelectorAll("td.cell-picked").forEach((td) => td.classList.remove("cell-picked"));
    cell.classList.add("cell-picked");
  });
})();
