// Reminders on this phone. Subscribing happens only from a tap (iPhones insist); on every
// app open an existing subscription is checked against the server: a rotated server key
// means subscribing again, and a subscription the server does not know (a restored
// database) is sent again. Texts come from the page's data- attributes.

import { NAMES } from "./names.js";
import { forget, save, sendJson } from "./push-subscriptions.js";

const PUBLIC_KEY_URL = NAMES.urls.pushPublicKey;
const TEST_URL = NAMES.urls.pushTest;
// pushManager.subscribe can hang when the push service is unreachable: give up after this.
const SUBSCRIBE_TIMEOUT_MS = 20000;
const READY_TIMEOUT_MS = 10000;
// sessionStorage: checked once per app open, not on every page; the reminders page
// reloads at most once to show a device it just re-sent.
const CHECKED_KEY = "ic-push-checked";
const REFRESHED_KEY = "ic-push-refreshed";

const panel = document.getElementById("push-panel");

function withTimeout(promise, milliseconds) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), milliseconds);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function isSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

// The same tests as install.js: reminders reach an iPhone only from the installed app.
function isInstalled() {
  return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

function isAppleMobile() {
  const touchMac = navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1;
  return /iPhone|iPad|iPod/.test(navigator.userAgent) || touchMac;
}

// --- keys and digests ---------------------------------------------------------

function toBase64Url(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (character) => character.charCodeAt(0));
}

async function digest(endpoint) {
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(endpoint));
  return Array.from(new Uint8Array(hash), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function keyOf(subscription) {
  const key = subscription.options && subscription.options.applicationServerKey;
  return key ? toBase64Url(key) : null;
}

// --- talking to the server ------------------------------------------------------

async function serverState(background) {
  const headers = background ? { [NAMES.headers.background]: "1" } : {};
  const response = await fetch(PUBLIC_KEY_URL, { headers, credentials: "same-origin" });
  if (!response.ok) throw new Error(`public key: ${response.status}`);
  return response.json();
}

async function registration() {
  return withTimeout(navigator.serviceWorker.ready, READY_TIMEOUT_MS);
}

async function subscribe(worker, publicKey) {
  return withTimeout(
    worker.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(publicKey) }),
    SUBSCRIBE_TIMEOUT_MS,
  );
}

// --- on every app open ------------------------------------------------------------

async function keepCurrent(subscription, worker, server) {
  if (keyOf(subscription) !== server.publicKey) {
    // The server's key changed: the old subscription can never be sent to again.
    await forget(subscription).catch(() => undefined);
    await subscription.unsubscribe();
    await save(await subscribe(worker, server.publicKey));
    return true;
  }
  if (!server.devices.includes(await digest(subscription.endpoint))) {
    await save(subscription);
    return true;
  }
  return false;
}

async function checkOnOpen() {
  if (sessionStorage.getItem(CHECKED_KEY)) return;
  if (!isSupported() || Notification.permission !== "granted") return;
  const worker = await registration();
  const subscription = await worker.pushManager.getSubscription();
  if (subscription) await keepCurrent(subscription, worker, await serverState(true));
  sessionStorage.setItem(CHECKED_KEY, "1");
}

// --- the reminders page -------------------------------------------------------------

function show(state) {
  for (const part of panel.querySelectorAll("[data-push-state]")) {
    part.hidden = part.dataset.pushState !== state;
  }
}

function say(text) {
  panel.querySelector("[data-push-message]").textContent = text;
}

function setBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute("aria-busy", busy ? "true" : "false");
}

// What went wrong, so the message says what to do: each step of switching on fails in
// its own way, and the internet is only one of them.
class StepFailed extends Error {
  constructor(kind, cause) {
    super(kind);
    this.kind = kind;
    this.cause = cause;
  }
}

function step(kind, promise) {
  return promise.catch((error) => {
    if (error instanceof StepFailed) throw error;
    // fetch rejects with a TypeError only when no answer came at all.
    const offline = !navigator.onLine || (kind === "server" && error instanceof TypeError);
    throw new StepFailed(offline ? "offline" : kind, error);
  });
}

function failureText(error) {
  const kind = !navigator.onLine ? "offline" : error instanceof StepFailed ? error.kind : "server";
  const texts = {
    offline: panel.dataset.errorOfflineText,
    notReady: panel.dataset.errorNotReadyText,
    pushService: panel.dataset.errorPushServiceText,
    server: panel.dataset.errorServerText,
  };
  return texts[kind] || panel.dataset.failedText;
}

async function enable(button) {
  setBusy(button, true);
  say("");
  try {
    // First, while the tap still counts: Safari asks only from a user gesture.
    const permission = await Notification.requestPermission();
    if (permission === "denied") {
      show("denied");
      return;
    }
    if (permission !== "granted") {
      say(panel.dataset.errorDismissedText);
      return;
    }
    const worker = await step("notReady", registration());
    const server = await step("server", serverState(false));
    const existing = await worker.pushManager.getSubscription();
    const subscription =
      existing && keyOf(existing) === server.publicKey
        ? existing
        : await step("pushService", subscribe(worker, server.publicKey));
    const label = document.getElementById("device-label").value.trim();
    await step("server", save(subscription, label));
    window.location.reload();
  } catch (error) {
    say(failureText(error));
  } finally {
    setBusy(button, false);
  }
}

async function disable(button) {
  setBusy(button, true);
  say("");
  try {
    const worker = await registration();
    const subscription = await worker.pushManager.getSubscription();
    if (subscription) {
      await forget(subscription);
      await subscription.unsubscribe();
    }
    window.location.reload();
  } catch {
    say(panel.dataset.offFailedText);
  } finally {
    setBusy(button, false);
  }
}

async function sendTest(button) {
  setBusy(button, true);
  say("");
  try {
    const response = await sendJson("POST", TEST_URL, {});
    if (!response.ok) throw new Error(`test: ${response.status}`);
    const result = await response.json();
    if (result.devices === 0) say(panel.dataset.testNoneText);
    else say(result.sendingNow ? panel.dataset.testSentText : panel.dataset.testQueuedText);
  } catch {
    say(panel.dataset.testFailedText);
  } finally {
    setBusy(button, false);
  }
}

async function markThisPhone(subscription) {
  const mine = await digest(subscription.endpoint);
  for (const item of document.querySelectorAll("[data-endpoint-digest]")) {
    if (item.dataset.endpointDigest !== mine) continue;
    item.querySelector("[data-this-phone]").hidden = false;
    // Removing this phone must also unsubscribe it, or the next app open would add it back.
    item.querySelector("[data-remove-device]").addEventListener("submit", (event) => {
      event.preventDefault();
      disable(event.submitter || panel.querySelector("[data-push-disable]"));
    });
  }
}

async function showPanel() {
  const test = document.querySelector("[data-push-test]");
  if (test) {
    test.hidden = false;
    test.addEventListener("click", () => sendTest(test));
  }
  const enableButton = panel.querySelector("[data-push-enable]");
  const disableButton = panel.querySelector("[data-push-disable]");
  enableButton.addEventListener("click", () => enable(enableButton));
  disableButton.addEventListener("click", () => disable(disableButton));
  if (isAppleMobile() && !isInstalled()) return show("ios");
  if (!isSupported()) return show("unsupported");
  if (Notification.permission === "denied") return show("denied");
  const worker = await registration();
  let subscription = await worker.pushManager.getSubscription();
  if (subscription && Notification.permission === "granted") {
    const changed = await keepCurrent(subscription, worker, await serverState(false));
    if (changed && !sessionStorage.getItem(REFRESHED_KEY)) {
      sessionStorage.setItem(REFRESHED_KEY, "1");
      window.location.reload(); // the list of devices changed
      return undefined;
    }
    subscription = await worker.pushManager.getSubscription();
  }
  if (!subscription) return show("off");
  await markThisPhone(subscription);
  return show("on");
}

if (panel) {
  showPanel().catch(() => show(isSupported() ? "off" : "unsupported"));
} else {
  // Best effort: a failed check is tried again at the next app open.
  checkOnOpen().catch(() => undefined);
}
