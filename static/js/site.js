// Small behaviours every page may use, wired by data- attributes (no inline script: the
// Content-Security-Policy allows scripts from static files only).
(function () {
  // <select data-auto-submit>: submit its form as soon as the choice changes.
  document.querySelectorAll("select[data-auto-submit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  // <form data-busy-on-submit>: disable its button and show its .busy-note while the server works.
  document.querySelectorAll("form[data-busy-on-submit]").forEach((form) => {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button");
      if (button) button.disabled = true;
      form.querySelectorAll(".busy-note").forEach((note) => { note.hidden = false; });
    });
  });
})();
