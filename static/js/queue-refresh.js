// Keeps the review queue current while it is open. The requests say they are background
// refreshes, so an idle nurse's session still times out (docs/access.md, sessions).
import { inUse, refreshPart } from "./fresh-part.js";

const REFRESH_MS = 60_000;
const LIST = "[data-queue-list]";

async function refreshQueue() {
  const current = document.querySelector(LIST);
  if (!current || document.visibilityState !== "visible") return;
  // Don't yank the list away while someone is ticking boxes in it.
  if (inUse(current)) return;
  await refreshPart(LIST);
}

setInterval(refreshQueue, REFRESH_MS);
document.addEventListener("visibilitychange", refreshQueue);
