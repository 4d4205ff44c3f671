// Signing out wipes what this device kept for the family: their pages, IndexedDB and Web
// Storage (the "what to bring" ticks), and switches off reminders on it: the server
// forgets this phone's subscription (while still signed in) and the browser drops it, so
// whoever uses the device next gets no notifications meant for this account.
// The server's Clear-Site-Data and the service worker wipe as well; this covers browsers
// that honour neither, and runs before the sign-out request leaves.

import { NAMES } from "./names.js";
import { forget } from "./push-subscriptions.js";

const WIPE_TIMEOUT_MS = 3000;

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
    const pages = names.filter((name) => name.startsWith(NAMES.pagesCachePrefix));
    await Promise.all(pages.map((name) => caches.delete(name)));
  }
  if ("indexedDB" in window) {
    const databases = indexedDB.databases ? await indexedDB.databases() : [];
    // The outbox by name too, where indexedDB.databases() is missing.
    const kept = new Set([NAMES.outboxDatabase, ...databases.map((database) => database.name)]);
    await Promise.all([...kept].map(deleteDatabase));
  }
}

async function stopReminders() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) return;
  const registration = await navigator.serviceWorker.getRegistration();
  const subscription = registration && (await registration.pushManager.getSubscription());
  if (!subscription) return;
  // Both at once, so a slow network cannot keep the browser's copy alive. Offline, the
  // server keeps the row until its next send is refused (404/410) and then deletes it.
  await Promise.all([
    forget(subscription).catch(() => undefined),
    subscription.unsubscribe().catch(() => undefined),
  ]);
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
  // Both before the sign-out request leaves (the server forgets a subscription only for
  // its signed-in owner), side by side: a slow push service must not let the time limit
  // send the sign-out before this phone's data is wiped. Web Storage goes at once.
  const wiped = Promise.all([
    stopReminders().catch(() => undefined),
    wipeOfflineData().catch(() => undefined),
  ]);
  Promise.race([wiped, timeout]).then(() => form.submit());
}

document.addEventListener("submit", onSubmit);
