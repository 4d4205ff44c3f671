// Install help: the browser's own install prompt where it offers one, the Share steps on
// iPhone and iPad (where reminders reach installed apps only), nothing once installed.

const help = document.getElementById("install-help");

function isInstalled() {
  return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

function isAppleMobile() {
  // iPadOS asks for desktop sites as a Mac, but a Mac has no touch screen.
  const touchMac = navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1;
  return /iPhone|iPad|iPod/.test(navigator.userAgent) || touchMac;
}

function reveal(part) {
  part.hidden = false;
  help.hidden = false;
}

function offerPrompt(event) {
  // Our own button instead of the browser's banner, on the page where it helps.
  event.preventDefault();
  const part = help.querySelector("[data-install-prompt]");
  part.querySelector("button").addEventListener(
    "click",
    async () => {
      await event.prompt();
      await event.userChoice;
      help.hidden = true;
    },
    { once: true },
  );
  reveal(part);
}

if (help && !isInstalled()) {
  window.addEventListener("beforeinstallprompt", offerPrompt);
  window.addEventListener("appinstalled", () => {
    help.hidden = true;
  });
  if (isAppleMobile()) reveal(help.querySelector("[data-install-ios]"));
}
