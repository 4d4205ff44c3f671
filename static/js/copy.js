// "Copy link" buttons: put a text box's value on the clipboard where the browser allows
// it (Android has no handler for webcal: links, so people paste the https link instead).
// Without JavaScript or clipboard access the buttons stay hidden and the box stays
// selectable by hand.

function setUp(button) {
  const source = document.getElementById(button.dataset.copyTarget);
  const status = document.getElementById(button.dataset.copyStatus);
  if (!source || !status) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.value);
      status.textContent = button.dataset.copiedText;
    } catch {
      source.focus();
      source.select();
      status.textContent = button.dataset.failedText;
    }
  });
}

if (navigator.clipboard && window.isSecureContext) {
  document.querySelectorAll("button[data-copy-target]").forEach(setUp);
}
