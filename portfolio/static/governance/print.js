// The pack's "Imprimer" button. A file, not an inline handler: the CSP forbids inline scripts.
// The button stays hidden without JavaScript (the browser's own print command still works).
for (const button of document.querySelectorAll("[data-print-button]")) {
  button.addEventListener("click", () => window.print());
  button.hidden = false;
}
