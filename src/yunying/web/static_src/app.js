import htmx from "htmx.org";
// Alpine's CSP build: expressions are parsed, never compiled with Function(), so the CSP needs no
// 'unsafe-eval'. Components are registered with Alpine.data; templates only name their properties.
import Alpine from "@alpinejs/csp";
import "@tabler/core/dist/js/tabler.min.js";

window.htmx = htmx;
window.Alpine = Alpine;

// Small components the pages name in x-data, their first state passed as an argument.
// disclosure(open): rows shown or hidden by a toggle.
Alpine.data("disclosure", (open = false) => ({
  open: Boolean(open),
  toggle() { this.open = !this.open; },
}));
// kindPicker(kind): which kind of sales file a mapping form is for, chosen with x-model="kind".
Alpine.data("kindPicker", (kind = "product") => ({ kind: kind || "product" }));

// Django's CSRF token on every htmx request.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

document.addEventListener("DOMContentLoaded", () => Alpine.start());

// Page behaviours declared with data attributes (the Content-Security-Policy allows no inline handlers):
// data-confirm="…" on a form or on its submit button asks first; data-require="field" on a submit button
// refuses to send while that field is empty (saying data-require-message); data-autosubmit on a field
// submits its form when it changes; data-print prints the page; data-fill-suggestions copies each
// [data-suggestion] into its empty input.
document.addEventListener(
  "submit",
  (event) => {
    const button = event.submitter && event.submitter.dataset ? event.submitter.dataset : {};
    const needed = button.require && event.target.elements[button.require];
    if (button.require && !(needed && String(needed.value || "").trim())) {
      window.alert(button.requireMessage || "");
      event.preventDefault();
      return;
    }
    const message = button.confirm || (event.target.dataset && event.target.dataset.confirm);
    if (message && !window.confirm(message)) event.preventDefault();
  },
  true,
);
document.addEventListener("change", (event) => {
  if (event.target.matches && event.target.matches("[data-autosubmit]") && event.target.form) {
    event.target.form.submit();
  }
});
document.addEventListener("click", (event) => {
  const target = event.target.closest && event.target.closest("[data-print], [data-fill-suggestions]");
  if (!target) return;
  if (target.hasAttribute("data-print")) window.print();
  if (target.hasAttribute("data-fill-suggestions")) {
    document.querySelectorAll("[data-suggestion]").forEach((input) => {
      if (!input.value && input.dataset.suggestion) input.value = input.dataset.suggestion;
    });
  }
});

// The equipment picker of a form with an asset_code field (日常维修 and the asset processes): the
// field suggests the assets of the store chosen in the form's store field (the register's API, within
// the reader's scope), refreshed when the store changes; picking one fills an empty equipment field.
function assetPicker(input) {
  const form = input.form;
  const store = form && form.elements.f_store;
  const list = document.createElement("datalist");
  list.id = `${input.id || "yy-asset"}-options`;
  input.after(list);
  input.setAttribute("list", list.id);
  input.setAttribute("autocomplete", "off");
  const names = new Map();
  const load = () => {
    const code = store && store.value;
    list.replaceChildren();
    names.clear();
    if (!code) return;
    fetch(`/api/assets?store=${encodeURIComponent(code)}`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : []))
      .then((assets) => {
        assets
          .filter((asset) => asset.state !== "written_off")
          .slice(0, 500)
          .forEach((asset) => {
            const option = document.createElement("option");
            option.value = asset.code;
            option.label = `${asset.name}${asset.location ? ` · ${asset.location}` : ""}`;
            list.append(option);
            names.set(asset.code, asset.name);
          });
        input.dataset.assetsLoaded = String(names.size);
      })
      .catch(() => {});
  };
  if (store) store.addEventListener("change", load);
  input.addEventListener("change", () => {
    const equipment = form && form.elements.f_equipment;
    if (equipment && !equipment.value && names.has(input.value)) equipment.value = names.get(input.value);
  });
  load();
}
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-yy-form] input[name=f_asset_code]").forEach(assetPicker);
});
