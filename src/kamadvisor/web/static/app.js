// kamadvisor serve: small conveniences; every page works without this script.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("questionnaire");
  if (!form) return;

  // "None of these" and the named choices exclude each other.
  form.addEventListener("change", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox" || !box.checked) return;
    const group = form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(box.name)}"]`);
    for (const other of group) {
      if (other === box) continue;
      if (box.hasAttribute("data-none-of-these") || other.hasAttribute("data-none-of-these")) {
        other.checked = false;
      }
    }
  });

  // Warn before leaving a page with answers not yet saved.
  let dirty = false;
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("change", () => { dirty = true; });
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });
});
