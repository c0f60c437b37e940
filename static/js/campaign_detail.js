// Campaign page: tick every request, or only the drafts, for the bulk "mark sent" form.
(function () {
  const all = document.getElementById("select-all");
  const boxes = () => Array.from(document.querySelectorAll(".row-select"));
  if (all) all.addEventListener("change", () => boxes().forEach((b) => { b.checked = all.checked; }));
  const drafts = document.getElementById("select-drafts");
  if (drafts) drafts.addEventListener("click", () => boxes().forEach((b) => { b.checked = b.dataset.draft === "1"; }));
})();
