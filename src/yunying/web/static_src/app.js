import htmx from "htmx.org";
import Alpine from "alpinejs";
import "@tabler/core/dist/js/tabler.min.js";

window.htmx = htmx;
window.Alpine = Alpine;

// Django's CSRF token on every htmx request.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

document.addEventListener("DOMContentLoaded", () => Alpine.start());
