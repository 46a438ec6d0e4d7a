// Small enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload-form");
  if (form) {
    const bar = document.getElementById("upload-progress");
    form.addEventListener("htmx:xhr:progress", (e) => {
      if (e.detail.lengthComputable) { bar.hidden = false; bar.value = Math.round(100 * e.detail.loaded / e.detail.total); }
    });
    form.addEventListener("htmx:beforeRequest", () => { bar.hidden = false; bar.value = 0; });
    form.addEventListener("htmx:afterRequest", () => { bar.value = 100; });
    const drop = document.getElementById("drop"), input = document.getElementById("files");
    ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, () => drop.classList.remove("over")));
    drop.addEventListener("drop", (e) => { e.preventDefault(); input.files = e.dataTransfer.files; });
  }
  document.querySelectorAll("[data-select-all]").forEach((btn) => btn.addEventListener("click", () => {
    const id = btn.getAttribute("data-select-all").slice(1);
    document.querySelectorAll(`input[type=checkbox][form="${id}"]`).forEach((c) => { c.checked = true; });
  }));
});
// htmx answers 4xx with an error fragment: show it instead of ignoring it.
document.addEventListener("htmx:beforeSwap", (e) => { if (e.detail.xhr.status >= 400 && e.detail.xhr.status < 500) { e.detail.shouldSwap = true; e.detail.isError = false; } });
