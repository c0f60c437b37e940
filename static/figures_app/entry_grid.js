// The figure entry grid (#figures-grid) behaves like a spreadsheet:
// - arriving in a cell (arrow, Tab, click) selects its text, so typing replaces it;
// - arrow keys move between cells (Left and Right too, wherever the caret is); up and down keep
//   the column, across the grid's tables (one per metric);
// - Enter saves and moves down. The save runs in the background, so keys typed meanwhile go to
//   the cell below: a value typed before the last one was saved never joins it. Saves go one
//   at a time, each carrying only the cells changed since the one before, so a slow answer can
//   never overwrite a newer value.
// Progressive enhancement: without this file the grid is an ordinary form, and Enter in any
// cell saves the whole grid (the browser's implicit submission).
(function () {
  "use strict";
  var grid = document.getElementById("figures-grid");
  if (!grid || !window.fetch || !window.FormData) {
    return;
  }
  var status = document.getElementById("figures-grid-status");
  var dirty = {}; // field name -> true, changed since it was last sent
  var lastSent = {}; // field name -> the value its last save carried
  var busy = false;
  var needsReload = false;

  function rows() {
    return Array.prototype.slice.call(grid.querySelectorAll("table.figures-grid tbody tr"));
  }

  function inputIn(cell) {
    return cell ? cell.querySelector("input:not([type=hidden])") : null;
  }

  function inGrid(el) {
    return el instanceof HTMLInputElement && el.closest("table.figures-grid");
  }

  function focus(input) {
    if (!input) {
      return false;
    }
    input.focus();
    input.select();
    return true;
  }

  function neighbour(input, key) {
    var cell = input.closest("td, th");
    var row = cell.parentElement;
    var column = Array.prototype.indexOf.call(row.cells, cell);
    if (key === "ArrowLeft" || key === "ArrowRight") {
      var step = key === "ArrowRight" ? 1 : -1;
      for (var c = column + step; c >= 0 && c < row.cells.length; c += step) {
        if (inputIn(row.cells[c])) {
          return inputIn(row.cells[c]);
        }
      }
      return null;
    }
    var all = rows();
    var delta = key === "ArrowUp" ? -1 : 1;
    for (var r = all.indexOf(row) + delta; r >= 0 && r < all.length; r += delta) {
      if (inputIn(all[r].cells[column])) {
        return inputIn(all[r].cells[column]);
      }
    }
    return null;
  }

  function say(text, kind) {
    if (status) {
      status.textContent = text;
      status.className = "small mb-1 text-" + (kind || "muted");
    }
  }

  function holder(input) {
    return input.closest("td, th") || input.parentElement;
  }

  function clearError(input) {
    input.classList.remove("is-invalid");
    var cell = holder(input);
    Array.prototype.forEach.call(cell.querySelectorAll(".grid-error"), function (el) {
      el.remove();
    });
  }

  function showError(input, messages) {
    clearError(input);
    input.classList.add("is-invalid");
    var note = document.createElement("div");
    note.className = "text-danger small grid-error";
    note.textContent = messages.join(" ");
    holder(input).appendChild(note);
  }

  // A new category's row is sent whole (its name and its cells), and the page is reloaded once
  // saved, so the new category shows as a row of its own.
  function rowFields(name) {
    var input = grid.elements[name];
    var row = input && input.closest("tr");
    var newName = row && row.querySelector("input[name$='-name']");
    if (!newName) {
      return [name];
    }
    needsReload = needsReload || newName.value.trim() !== "";
    return Array.prototype.map.call(row.querySelectorAll("input[name]"), function (el) {
      return el.name;
    });
  }

  function payload(names) {
    var data = new FormData();
    ["csrfmiddlewaretoken", "attachment", "location", "answered_on"].forEach(function (field) {
      var el = grid.elements[field];
      if (el) {
        data.append(field, el.value);
      }
    });
    var seen = {};
    names.forEach(function (name) {
      rowFields(name).forEach(function (field) {
        if (!seen[field] && grid.elements[field]) {
          seen[field] = true;
          data.append(field, grid.elements[field].value);
        }
      });
    });
    return data;
  }

  function answered(sent, body) {
    if (body.saved) {
      sent.concat(["answered_on"]).forEach(function (name) {
        if (grid.elements[name]) {
          clearError(grid.elements[name]);
        }
      });
      say(body.message + (body.warnings.length ? " Check: " + body.warnings.join(" ") : ""), "success");
      return;
    }
    // Nothing of that save was written (all or nothing): its cells are still to be saved.
    sent.forEach(function (name) {
      dirty[name] = true;
    });
    Object.keys(body.errors || {}).forEach(function (name) {
      if (grid.elements[name]) {
        showError(grid.elements[name], body.errors[name]);
      }
    });
    say("Not saved: " + ((body.general || []).join(" ") || "correct the cells marked below."), "danger");
  }

  // After a refused or failed save, the next Enter tries again (never on its own: a refused
  // save would be refused again).
  function flush() {
    var names = Object.keys(dirty);
    if (busy || !names.length) {
      if (!busy && needsReload) {
        window.location.reload();
      }
      return;
    }
    dirty = {};
    names.forEach(function (name) {
      if (grid.elements[name]) {
        lastSent[name] = grid.elements[name].value;
      }
    });
    busy = true;
    say("Saving…");
    fetch(grid.action, {
      method: "POST",
      body: payload(names),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (body) {
        answered(names, body);
        return body.saved;
      })
      .catch(function () {
        names.forEach(function (name) {
          dirty[name] = true;
        });
        say("Not saved: the connection failed. Press Enter in a cell to try again.", "danger");
        return false;
      })
      .then(function (ok) {
        busy = false;
        if (ok) {
          flush();
        } else {
          needsReload = false;
        }
      });
  }

  grid.addEventListener("input", function (event) {
    if (inGrid(event.target)) {
      dirty[event.target.name] = true;
    }
  });

  // Arriving by a click selects the text too (the mouseup would otherwise place a caret).
  var justFocused = null;
  grid.addEventListener("focusin", function (event) {
    if (inGrid(event.target)) {
      event.target.select();
      justFocused = event.target;
    }
  });
  grid.addEventListener("mouseup", function (event) {
    if (event.target === justFocused) {
      event.preventDefault();
    }
    justFocused = null;
  });

  grid.addEventListener("keydown", function (event) {
    var input = event.target;
    justFocused = null;
    if (event.altKey || event.ctrlKey || event.metaKey || !inGrid(input)) {
      return;
    }
    if (event.key === "Enter") {
      event.preventDefault();
      // Enter on a cell already sent as it reads now adds no save of its own: typed fast, the
      // value may have left with the save before, and a second one would only say "Nothing
      // changed" over that save's "Saved".
      var sentAs = input.name in lastSent ? lastSent[input.name] : input.defaultValue;
      if (input.value !== sentAs) {
        dirty[input.name] = true;
      }
      focus(neighbour(input, event.shiftKey ? "ArrowUp" : "ArrowDown"));
      flush();
      return;
    }
    if (event.shiftKey || !/^Arrow(Left|Right|Up|Down)$/.test(event.key)) {
      return;
    }
    if (focus(neighbour(input, event.key))) {
      event.preventDefault();
    }
  });
})();
