// Campaign form: tick a saved list's forces, count the ticks, add period rows.
(function () {
  const members = JSON.parse(document.getElementById("list-members").textContent);
  const boxes = Array.from(document.querySelectorAll('input[name="forces"]'));
  const count = document.getElementById("force-count");
  const update = () => {
    const n = boxes.filter(b => b.checked).length;
    // The nouns the page was written with ("force", "authority": requests_app/body_words.py).
    count.textContent = `${n} ${n === 1 ? count.dataset.singular : count.dataset.plural}`;
  };
  boxes.forEach(b => b.addEventListener("change", update));
  document.getElementById("id_force_list").addEventListener("change", (e) => {
    const ids = (members[e.target.value] || []).map(String);
    boxes.forEach(b => { if (ids.includes(b.value)) b.checked = true; });
    update();
  });
  document.getElementById("tick-none").addEventListener("click", () => { boxes.forEach(b => b.checked = false); update(); });
  update();
  document.getElementById("add-period").addEventListener("click", () => {
    const total = document.getElementById("id_periods-TOTAL_FORMS");
    const rows = document.querySelectorAll("#periods .period-row");
    const clone = rows[rows.length - 1].cloneNode(true);
    const n = parseInt(total.value, 10);
    clone.querySelectorAll("input").forEach(input => {
      input.name = input.name.replace(/periods-\d+-/, `periods-${n}-`);
      input.id = input.id.replace(/periods-\d+-/, `periods-${n}-`);
      if (input.type === "checkbox") input.checked = false; else input.value = "";
    });
    clone.querySelectorAll("label").forEach(l => { l.htmlFor = l.htmlFor.replace(/periods-\d+-/, `periods-${n}-`); });
    clone.querySelectorAll(".invalid-feedback").forEach(el => el.remove());
    document.querySelector("#periods tbody").appendChild(clone);
    total.value = n + 1;
  });
})();
