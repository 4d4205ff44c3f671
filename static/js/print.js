// The printable report's button: opens the browser's print dialog, where "Save as PDF"
// makes the PDF. Without JavaScript the button stays hidden and the browser's own print
// menu does the same.

const button = document.querySelector("button[data-print]");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
