// Runs the service worker and offers its updates. A new version waits until the family
// taps "Reload", so a form being filled in is never lost to a surprise refresh.

import { NAMES } from "./names.js";

const banner = document.getElementById("app-update");
let reloading = false;

function offerUpdate(registration) {
  if (registration.waiting && navigator.serviceWorker.controller) banner.hidden = false;
}

function applyUpdate(registration) {
  if (!registration.waiting) return;
  reloading = true;
  banner.querySelector("button").disabled = true;
  registration.waiting.postMessage({ type: NAMES.messages.skipWaiting });
}

function watchInstalls(registration) {
  const worker = registration.installing;
  worker?.addEventListener("statechange", () => {
    if (worker.state === "installed") offerUpdate(registration);
  });
}

async function tellLanguage() {
  const registration = await navigator.serviceWorker.ready;
  const language = document.documentElement.lang;
  registration.active?.postMessage({ type: NAMES.messages.pageLanguage, language });
}

async function start() {
  const registration = await navigator.serviceWorker.register(banner.dataset.workerUrl, {
    scope: "/",
    updateViaCache: "none",
  });
  offerUpdate(registration);
  registration.addEventListener("updatefound", () => watchInstalls(registration));
  banner.querySelector("button").addEventListener("click", () => applyUpdate(registration));
  // A phone may keep the app open for days: look for a new version when it comes back.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") registration.update().catch(() => undefined);
  });
  await tellLanguage();
}

if ("serviceWorker" in navigator && banner) {
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) window.location.reload();
  });
  // Offline or refused: the pages work without the worker, just not offline.
  start().catch(() => undefined);
}
