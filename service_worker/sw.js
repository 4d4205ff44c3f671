/* Immuno Companion service worker.
 *
 * The app shell (offline page, CSS, scripts, icons) is precached, so the app always opens;
 * a signed-in family's last pages are kept so they can be read without a connection;
 * nothing else is kept. A new version waits until the family taps "Reload".
 * The server fills in SHELL when it serves this file (pwa/shell/views.py); SHELL.names
 * holds the names it shares with the pages and the server (pwa/shared_names.py).
 */

const SHELL = __SHELL__;
const NAMES = SHELL.names;

const CACHE_PREFIX = NAMES.cachePrefix;
const SHELL_CACHE = `${NAMES.shellCachePrefix}${SHELL.version}`;
const PAGES_CACHE_PREFIX = NAMES.pagesCachePrefix;
const PAGES_CACHE = `${PAGES_CACHE_PREFIX}${SHELL.version}`;
const CACHEABLE_HEADER = NAMES.headers.cacheable;
const CACHEABLE_VALUE = NAMES.headers.cacheableValue;
const OWNER_HEADER = NAMES.headers.owner;
const RELATED_HEADER = NAMES.headers.related;
const BACKGROUND_HEADER = NAMES.headers.background;
// A kept page names at most this many pages to keep with it (the guidance list: a few).
const MAX_RELATED = 60;
const LANGUAGE_HEADER = "Content-Language";
// Pages vary on the cookie, which a worker never sees; match on the URL alone.
const MATCH = { ignoreVary: true };
// The report outbox; wiped by name too where indexedDB.databases() is missing.
const OUTBOX_DATABASE = NAMES.outboxDatabase;
// docs/api.md ("Push").
const SUBSCRIPTIONS_URL = NAMES.urls.pushSubscriptions;
const OUTBOX_SYNC_TAG = NAMES.outboxSyncTag;
const MESSAGES = NAMES.messages;

// --- what is kept -----------------------------------------------------------

async function precacheShell() {
  const cache = await caches.open(SHELL_CACHE);
  await cache.addAll(SHELL.precache);
}

async function deleteOldCaches() {
  const current = [SHELL_CACHE, PAGES_CACHE];
  const names = await caches.keys();
  const old = names.filter((name) => name.startsWith(CACHE_PREFIX) && !current.includes(name));
  await Promise.all(old.map((name) => caches.delete(name)));
}

function deleteDatabase(name) {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

async function wipeFamilyData() {
  const names = await caches.keys();
  const pages = names.filter((name) => name.startsWith(PAGES_CACHE_PREFIX));
  await Promise.all(pages.map((name) => caches.delete(name)));
  const databases = indexedDB.databases ? await indexedDB.databases() : [];
  const kept = new Set([OUTBOX_DATABASE, ...databases.map((database) => database.name)]);
  await Promise.all([...kept].map(deleteDatabase));
}

async function keptOwner() {
  if (!(await caches.has(PAGES_CACHE))) return null;
  const cache = await caches.open(PAGES_CACHE);
  const [first] = await cache.keys();
  const page = first && (await cache.match(first, MATCH));
  return page ? page.headers.get(OWNER_HEADER) : null;
}

function isKeptPage(response, owner) {
  return (
    response.ok &&
    response.headers.get(CACHEABLE_HEADER) === CACHEABLE_VALUE &&
    response.headers.get(OWNER_HEADER) === owner
  );
}

async function rememberPage(request, response) {
  const owner = response.headers.get(OWNER_HEADER);
  if (!owner) return;
  const previous = await keptOwner();
  if (previous && previous !== owner) await wipeFamilyData();
  if (isKeptPage(response, owner)) {
    const cache = await caches.open(PAGES_CACHE);
    await cache.put(request, response.clone());
    if (response.headers.has(RELATED_HEADER)) await keepRelated(cache, request, response, owner);
  }
}

// A kept page that names related pages (the guidance list names its pages): keep each of
// them too, fetched now with the family's cookie, so that offline the family can open a
// page they never opened. Kept pages under the list's address that it no longer names
// (removed by the ward) are dropped. Only this site's pages, and only answers that are
// kept pages of the same account, are kept.
async function keepRelated(cache, request, response, owner) {
  const list = new URL(request.url);
  const scope = `${list.origin}${list.pathname}/`;
  const wanted = new Set();
  for (const path of response.headers.get(RELATED_HEADER).split(" ").slice(0, MAX_RELATED)) {
    const url = path && new URL(path, list.origin);
    if (url && url.origin === list.origin) wanted.add(url.href);
  }
  for (const kept of await cache.keys()) {
    if (kept.url.startsWith(scope) && !wanted.has(kept.url)) await cache.delete(kept, MATCH);
  }
  for (const href of wanted) {
    let page;
    try {
      // Not the family's own tap: the session's idle clock keeps running.
      page = await fetch(href, { credentials: "same-origin", headers: { [BACKGROUND_HEADER]: "1" } });
    } catch {
      return; // the connection went: what was kept stays kept
    }
    if (isKeptPage(page, owner)) await cache.put(href, page);
  }
}

async function refreshOfflinePage(language) {
  const cache = await caches.open(SHELL_CACHE);
  const kept = await cache.match(SHELL.offline, MATCH);
  if (kept && kept.headers.get(LANGUAGE_HEADER) === language) return;
  const response = await fetch(SHELL.offline);
  if (response.ok) await cache.put(SHELL.offline, response);
}

// --- strategies -------------------------------------------------------------

function isSignedOutPage(url) {
  return url.pathname + url.search === SHELL.signedOut;
}

function isStaticFile(url) {
  return url.pathname.startsWith(SHELL.staticPrefix);
}

function isHashedAsset(url) {
  return isStaticFile(url) && url.searchParams.has("v");
}

async function pageWithoutNetwork(request) {
  const kept = await caches.match(request, { ...MATCH, cacheName: PAGES_CACHE });
  if (kept) return kept;
  const offline = await caches.match(SHELL.offline, { ...MATCH, cacheName: SHELL_CACHE });
  return offline || Response.error();
}

async function networkFirstPage(event) {
  const { request } = event;
  if (isSignedOutPage(new URL(request.url))) await wipeFamilyData();
  let response;
  try {
    response = await fetch(request);
  } catch {
    return pageWithoutNetwork(request);
  }
  event.waitUntil(rememberPage(request, response.clone()));
  return response;
}

async function cacheFirstAsset(request) {
  const kept = await caches.match(request, MATCH);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

// --- notifications ----------------------------------------------------------
// Every push shows a notification: Safari revokes the subscription of a site whose pushes
// show nothing. The payload never names the child; TTL and urgency are set by the server.

function sameOriginUrl(value) {
  try {
    const url = new URL(value || "/", self.location.origin);
    if (url.origin === self.location.origin) return url.href;
  } catch {
    // Not a URL at all: open the home page instead.
  }
  return new URL("/", self.location.origin).href;
}

// The server sends Declarative Web Push messages ({"web_push": 8030, "notification":
// {title, body, navigate, tag, lang, dir}}). Safari 18.4+ shows them without waking this
// worker; every other browser lands here and shows the same notification.
function readPayload(data) {
  try {
    const message = data ? data.json() : null;
    const shown = message && typeof message === "object" ? message.notification : null;
    return shown && typeof shown === "object" ? shown : {};
  } catch {
    return {};
  }
}

function text(value) {
  return typeof value === "string" && value.trim() ? value : null;
}

async function fallbackBody() {
  const texts = SHELL.notification.body;
  let language = self.navigator.language || "";
  try {
    // The kept offline page is in the language the family last read the app in.
    const kept = await caches.match(SHELL.offline, { ...MATCH, cacheName: SHELL_CACHE });
    language = (kept && kept.headers.get(LANGUAGE_HEADER)) || language;
  } catch {
    // No cache to ask: the phone's own language will do.
  }
  return texts[language.slice(0, 2)] || texts[SHELL.notification.language];
}

async function showPushed(data) {
  const message = readPayload(data);
  const options = {
    body: text(message.body) || (await fallbackBody()),
    data: { url: sameOriginUrl(text(message.navigate)) },
    icon: SHELL.notification.icon,
    badge: SHELL.notification.badge,
    // Same tag = the same reminder sent again: replace it quietly, never stack a copy.
    renotify: false,
  };
  if (text(message.tag)) options.tag = message.tag;
  if (text(message.lang)) options.lang = message.lang;
  if (["auto", "ltr", "rtl"].includes(message.dir)) options.dir = message.dir;
  await self.registration.showNotification(text(message.title) || SHELL.notification.title, options);
}

async function focusOrOpen(url) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (!open) return self.clients.openWindow(url);
  const focused = await open.focus();
  if (focused.url === url) return focused;
  try {
    return await focused.navigate(url);
  } catch {
    // A window this worker does not control cannot be navigated: open the page anew.
    return self.clients.openWindow(url);
  }
}

// A module's own imports ("./outbox.js") carry no hash: fetch them fresh, and offline
// answer with the copy precached under its hashed URL.
async function networkFirstAsset(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const kept = await caches.match(request, { ...MATCH, ignoreSearch: true, cacheName: SHELL_CACHE });
    if (kept) return kept;
    throw error;
  }
}

// Only an open page can send the outbox: it knows who is signed in and shows the outcome.
async function askPagesToSendReports() {
  const pages = await self.clients.matchAll({ type: "window" });
  pages.forEach((page) => page.postMessage({ type: MESSAGES.flushOutbox }));
}

// The browser replaced this device's push subscription (its push service rotated it, or
// it expired): tell the server at once, or reminders would stop until the family next
// opens the app (static/js/push.js checks then too). Sent with the family's cookie; a
// session that has ended answers 401 and the next app open after signing in catches up.
async function renewSubscription(event) {
  const previous = event.oldSubscription;
  let current = event.newSubscription;
  const key = previous && previous.options && previous.options.applicationServerKey;
  if (!current && key) {
    current = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }
  const send = (method, body) =>
    fetch(SUBSCRIPTIONS_URL, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  if (current) await send("POST", current.toJSON());
  if (previous && (!current || previous.endpoint !== current.endpoint)) {
    await send("DELETE", { endpoint: previous.endpoint });
  }
}

// --- listeners --------------------------------------------------------------

function onFetch(event) {
  const { request } = event;
  const url = new URL(request.url);
  // Other sites and anything but GET go straight to the network, untouched.
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirstPage(event));
  } else if (isHashedAsset(url)) {
    event.respondWith(cacheFirstAsset(request));
  } else if (isStaticFile(url)) {
    event.respondWith(networkFirstAsset(request));
  }
}

function onSync(event) {
  if (event.tag === OUTBOX_SYNC_TAG) event.waitUntil(askPagesToSendReports());
}

function onPush(event) {
  event.waitUntil(showPushed(event.data));
}

function onSubscriptionChange(event) {
  event.waitUntil(renewSubscription(event).catch(() => undefined));
}

function onNotificationClick(event) {
  event.notification.close();
  const data = event.notification.data || {};
  event.waitUntil(focusOrOpen(sameOriginUrl(data.url)));
}

function onMessage(event) {
  const message = event.data || {};
  if (message.type === MESSAGES.skipWaiting) {
    self.skipWaiting();
  } else if (message.type === MESSAGES.pageLanguage) {
    event.waitUntil(refreshOfflinePage(message.language).catch(() => undefined));
  }
}

self.addEventListener("install", (event) => event.waitUntil(precacheShell()));
self.addEventListener("activate", (event) => {
  event.waitUntil(deleteOldCaches().then(() => self.clients.claim()));
});
self.addEventListener("fetch", onFetch);
self.addEventListener("message", onMessage);
self.addEventListener("sync", onSync);
self.addEventListener("push", onPush);
self.addEventListener("notificationclick", onNotificationClick);
self.addEventListener("pushsubscriptionchange", onSubscriptionChange);
