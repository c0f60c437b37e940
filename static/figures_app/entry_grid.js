// The figure entry grid (#figures-grid): arrow keys move between cells like a spreadsheet.
// Progressive enhancement: without this file the grid is an ordinary form, and Enter in any
// cell saves it (the browser's implicit submission), with or without this file.
// Left and right move only when the caret is already at the start or end of the text, so they
// still move within what is typed; up and down always move to the same column of the row above
// or below (across the grid's tables, one per metric).
(function () {
  "use strict";
  var grid = document.getElementById("figures-grid");
  if (!grid) {
    return;
  }

  function rows() {
    return Array.prototype.slice.call(grid.querySelectorAll("table.figures-grid tbody tr"));
  }

  function inputIn(cell) {
    return cell ? cell.querySelector("input:not([type=hidden])") : null;
  }

  function caretAt(input, end) {
    try {
      if (input.selectionStart !== input.selectionEnd) {
        return false;
      }
      return end ? input.selectionEnd === input.value.length : input.selectionStart === 0;
    } catch (e) {
      return true; // an input without a caret (number, date): always move
    }
  }

  function focus(input) {
    if (!input) {
      return false;
    }
    input.focus();
    if (typeof input.select === "function") {
      input.select();
    }
    return true;
  }

  grid.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    if (!(input instanceof HTMLInputElement) || !input.closest("table.figures-grid")) {
      return;
    }
    var cell = input.closest("td, th");
    var row = cell.parentElement;
    var column = Array.prototype.indexOf.call(row.cells, cell);
    var moved = false;
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var forward = event.key === "ArrowRight";
      if (!caretAt(input, forward)) {
        return;
      }
      var step = forward ? 1 : -1;
      for (var c = column + step; c >= 0 && c < row.cells.length && !moved; c += step) {
        moved = focus(inputIn(row.cells[c]));
      }
    } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      var all = rows();
      var delta = event.key === "ArrowDown" ? 1 : -1;
      for (var r = all.indexOf(row) + delta; r >= 0 && r < all.length && !moved; r += delta) {
        moved = focus(inputIn(all[r].cells[column]));
      }
    }
    if (moved) {
      event.preventDefault();
    }
  });
})();
