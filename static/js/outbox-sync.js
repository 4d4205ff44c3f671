// When the outbox is sent: at page load, when the browser says it is online again, when
// the family comes back to the app, every minute while a page is open, and when the
// service worker gets a Background Sync event (Chromium). The worker only asks the open
// pages to send: a page knows who is signed in and shows what happened.
import { NAMES } from "./names.js";
import { flush, onChange, WAITING, list } from "./outbox.js";
import { flushMessages } from "./message-outbox.js";
import { flushDoses } from "./dose-outbox.js";

const TIMER_MS = 60 * 1000;

// What the reports' send came to (null: it threw).
function sendInBackground() {
  // Messages to the ward and doses noted at home wait in the same database and go on the
  // same occasions.
  flushMessages({ background: true }).catch(() => undefined);
  flushDoses({ background: true }).catch(() => undefined);
  return flush({ background: true }).catch(() => null);
}

async function askForBackgroundSync() {
  if (!("serviceWorker" in navigator) || !navigator.serviceWorker.controller) return;
  const registration = await navigator.serviceWorker.ready;
  await registration.sync?.register(NAMES.outboxSyncTag);
}

async function syncWhenWaiting() {
  const waiting = (await list()).some((item) => item.status === WAITING);
  if (waiting) await askForBackgroundSync();
}

// The browser says it is online again. A send that began offline (a request hanging on a
// dying connection) may still be running: this call joins it, and it ends "offline". Once
// it has, send once more, so the reports go now rather than at the next minute's timer.
window.addEventListener("online", async () => {
  if ((await sendInBackground())?.outcome === "offline") await sendInBackground();
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") sendInBackground();
});
setInterval(() => {
  if (document.visibilityState === "visible") sendInBackground();
}, TIMER_MS);
navigator.serviceWorker?.addEventListener("message", (event) => {
  if (event.data?.type === NAMES.messages.flushOutbox) sendInBackground();
});
// Whenever something is saved or a send fails, let the browser retry on its own.
onChange(() => syncWhenWaiting().catch(() => undefined));

sendInBackground();
