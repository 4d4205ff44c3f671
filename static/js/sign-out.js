// Signing out wipes what this device kept for the family: their pages, IndexedDB and Web
// Storage (the "what to bring" ticks).
// The server's Clear-Site-Data and the service worker wipe as well; this covers browsers
// that honour neither, and runs before the sign-out request leaves.

const PAGES_CACHE_PREFIX = "ic-pages-"; // as in service_worker/sw.js
const WIPE_TIMEOUT_MS = 3000;
// static/js/outbox.js: deleted by name too, where indexedDB.databases() is missing.
const OUTBOX_DATABASE = "ic-outbox";

function deleteDatabase(name) {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

export async function wipeOfflineData() {
  try {
    localStorage.clear();
    sessionStorage.clear();
  } catch {
    // Storage is switched off in this browser: nothing was kept there.
  }
  if ("caches" in window) {
    const names = await caches.keys();
    const pages = names.filter((name) => name.startsWith(PAGES_CACHE_PREFIX));
    await Promise.all(pages.map((name) => caches.delete(name)));
  }
  if ("indexedDB" in window) {
    const databases = indexedDB.databases ? await indexedDB.databases() : [];
    const kept = new Set([OUTBOX_DATABASE, ...databases.map((database) => database.name)]);
    await Promise.all([...kept].map(deleteDatabase));
  }
}

function isSignOut(form) {
  const target = document.body.dataset.signOutUrl;
  return form instanceof HTMLFormElement && new URL(form.action).pathname === target;
}

function onSubmit(event) {
  const form = event.target;
  if (!isSignOut(form)) return;
  event.preventDefault();
  const timeout = new Promise((resolve) => setTimeout(resolve, WIPE_TIMEOUT_MS));
  const wiped = wipeOfflineData().catch(() => undefined);
  Promise.race([wiped, timeout]).then(() => form.submit());
}

document.addEventListener("submit", onSubmit);
