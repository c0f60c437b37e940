// Release form: fill the slug in from the title until someone types their own, and show the
// public address as it will be. The rule follows release_slug_from_title (forms_releases.py):
// "Online offences 2016/17" -> "online-offences-2016-17".
(function () {
  const title = document.getElementById("id_title");
  const slug = document.getElementById("id_slug");
  const shown = document.getElementById("release-address-slug");
  if (!title || !slug || !shown || slug.disabled) return;
  const slugFromTitle = (text) => text
    .normalize("NFKD").replace(/[^\x00-\x7f]/g, "")
    .replace(/(\d)\s*\/\s*(?=\d)/g, "$1-")
    .toLowerCase()
    .replace(/[^\w\s-]/g, "")
    .replace(/[-\s_]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
  let follows = slug.value === "" || slug.value === slugFromTitle(title.value);
  const show = () => { shown.textContent = slug.value; };
  title.addEventListener("input", () => {
    if (follows) { slug.value = slugFromTitle(title.value); show(); }
  });
  slug.addEventListener("input", () => {
    follows = slug.value === "";
    show();
  });
  if (follows && title.value) slug.value = slugFromTitle(title.value);
  show();
})();
