// Keeps the review queue current while it is open. The requests say they are background
// refreshes, so an idle nurse's session still times out (docs/access.md, sessions).
import { NAMES } from "./names.js";

const REFRESH_MS = 60_000;

async function refreshQueue() {
  const current = document.querySelector("[data-queue-list]");
  if (!current || document.visibilityState !== "visible") return;
  // Don't yank the list away while someone is ticking boxes in it.
  if (current.contains(document.activeElement) && document.activeElement !== document.body) return;
  try {
    const response = await fetch(window.location.pathname, {
      headers: { [NAMES.headers.background]: "1" },
      credentials: "same-origin",
    });
    if (response.redirected || !response.ok) return;
    const parsed = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = parsed.querySelector("[data-queue-list]");
    if (fresh) current.replaceWith(document.importNode(fresh, true));
  } catch {
    // Offline or server busy: keep showing what we have.
  }
}

setInterval(refreshQueue, REFRESH_MS);
document.addEventListener("visibilitychange", refreshQueue);
