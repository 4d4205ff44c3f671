// The report outbox: every report is kept in IndexedDB until the server has confirmed it,
// then sent to /api/reports in batches (contract in docs/api.md). Items carry the tag of
// the account that wrote them and are only ever sent while that account is signed in.
// A report the server refuses stays, marked "needs attention", until the family acts.
// Sent reports leave their observed time and answers behind for a few days, because a
// look-back rule ("38.0 °C twice within 24 hours") needs them on the phone.

import { NAMES } from "./names.js";

const DATABASE = NAMES.outboxDatabase;
// Version 2 added the store of messages to the ward (static/js/message-outbox.js), 3 the
// store of doses noted at home (static/js/dose-outbox.js).
const VERSION = 3;
const REPORTS = "reports";
const SENT = "sent";
export const MESSAGES = "messages";
export const DOSES = "doses";
const API = NAMES.urls.reports;
// The server's limits for one batch (pwa/diary/sync.py), read from the page; these
// defaults are the same numbers, for a page that does not carry them.
const MAX_BATCH = Number(document.body.dataset.outboxMaxReports) || 50;
const MAX_BYTES = Number(document.body.dataset.outboxMaxBytes) || 256 * 1024;
// Why a report the server can never take stays on the phone (the page's words).
const cannotSend = () => ({ report: document.body.dataset.outboxCannotSend || "" });
// Room for {"reports":[...]} around the reports, and the commas between them.
const ENVELOPE_BYTES = 64;
const SENT_KEEP_MS = 72 * 60 * 60 * 1000;
const FLUSH_LOCK = `${DATABASE}-flush`;
// Sent by timers and events, not by the parent: the session's idle clock keeps running.
const BACKGROUND_HEADER = NAMES.headers.background;
const CHANGE_EVENT = "outbox-change";

export const WAITING = "waiting";
export const NEEDS_ATTENTION = "attention";

let opening = null;
let askedForPersistence = false;
let running = null;
let again = false;
const otherTabs = "BroadcastChannel" in window ? new BroadcastChannel(DATABASE) : null;

export function currentOwner() {
  return document.body.dataset.owner || "";
}

// Only saving a report creates the database: pages that merely show the count must not
// leave an empty outbox behind (say, just after the worker wiped another account's data).
function connect(create) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, VERSION);
    request.onupgradeneeded = (event) => {
      if (!create && event.oldVersion === 0) {
        request.transaction.abort(); // a new database whose creation is aborted is not kept
        return;
      }
      const db = request.result;
      for (const name of [REPORTS, SENT, MESSAGES, DOSES]) {
        if (!db.objectStoreNames.contains(name)) {
          db.createObjectStore(name, { keyPath: "id" }).createIndex("owner", "owner");
        }
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      // A sign-out wipe deletes the database: let it go now, open afresh next time.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      resolve(db);
    };
    request.onerror = () => {
      opening = null;
      if (!create && request.error?.name === "AbortError") resolve(null);
      else reject(request.error);
    };
  });
}

// The database, or null when there is none and `create` is false.
async function open(create = false) {
  const db = await (opening ??= connect(create));
  if (db || !create) return db;
  opening = connect(true);
  return opening;
}

// Runs `work(stores)` in one transaction; resolves with its result once committed, or
// with `empty` when there is no outbox yet.
export async function transact(names, mode, work, { empty, create = false } = {}) {
  const db = await open(create);
  if (!db) return empty;
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(names, mode);
    const stores = Object.fromEntries(names.map((name) => [name, transaction.objectStore(name)]));
    let result;
    Promise.resolve(work(stores)).then((value) => {
      result = value;
    }, reject);
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = transaction.onabort = () => reject(transaction.error);
  });
}

export function read(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function announce(detail = {}) {
  window.dispatchEvent(new CustomEvent(CHANGE_EVENT, { detail }));
  if (!detail.fromOtherTab) otherTabs?.postMessage(detail);
}

otherTabs?.addEventListener("message", (event) => announce({ ...event.data, fromOtherTab: true }));

export function onChange(listener) {
  window.addEventListener(CHANGE_EVENT, (event) => listener(event.detail));
}

// --- keeping -------------------------------------------------------------------

// report: the sync contract's fields (id, child_id, observed_at, items, note, corrects,
// client_level). Resolves with the report's id once it is safely stored.
export async function add(report) {
  const owner = currentOwner();
  if (!owner) throw new Error("nobody is signed in");
  if (!askedForPersistence) {
    askedForPersistence = true;
    // Ask the browser not to evict the outbox under storage pressure.
    navigator.storage?.persist?.().catch(() => undefined);
  }
  const id = report.id || crypto.randomUUID();
  const item = {
    id,
    owner,
    childId: report.child_id,
    report: { ...report, id },
    status: WAITING,
    errors: {},
    savedAt: new Date().toISOString(),
  };
  await transact([REPORTS], "readwrite", ({ reports }) => reports.add(item), { create: true });
  announce();
  return id;
}

// The signed-in account's reports on this phone, oldest first.
export async function list() {
  const owner = currentOwner();
  if (!owner) return [];
  const items = await transact(
    [REPORTS],
    "readonly",
    ({ reports }) => read(reports.index("owner").getAll(owner)),
    { empty: [] },
  );
  return items.sort((a, b) => a.savedAt.localeCompare(b.savedAt));
}

export async function count() {
  const owner = currentOwner();
  if (!owner) return 0;
  return transact([REPORTS], "readonly", ({ reports }) => read(reports.index("owner").count(owner)), {
    empty: 0,
  });
}

async function update(id, change) {
  const owner = currentOwner();
  await transact([REPORTS], "readwrite", async ({ reports }) => {
    const item = await read(reports.get(id));
    if (item && item.owner === owner) reports.put(change(item));
  });
  announce();
}

// Only for what the family chose to delete; sending removes items itself.
export async function remove(id) {
  const owner = currentOwner();
  await transact([REPORTS], "readwrite", async ({ reports }) => {
    const item = await read(reports.get(id));
    if (item && item.owner === owner) reports.delete(id);
  });
  announce();
}

export function markNeedsAttention(id, errors) {
  return update(id, (item) => ({ ...item, status: NEEDS_ATTENTION, errors: errors || {} }));
}

export function markWaiting(id) {
  return update(id, (item) => ({ ...item, status: WAITING, errors: {} }));
}

// Observed times and answers of this child's reports sent from this phone recently.
export async function recentlySent(childId) {
  const owner = currentOwner();
  if (!owner) return [];
  const sent = await transact(
    [SENT],
    "readonly",
    ({ sent: store }) => read(store.index("owner").getAll(owner)),
    { empty: [] },
  );
  return sent.filter((entry) => entry.childId === childId);
}

// The server has it: drop the report, keep what a look-back rule needs, forget old ones.
function confirmSent(item) {
  const oldest = Date.now() - SENT_KEEP_MS;
  return transact([REPORTS, SENT], "readwrite", async ({ reports, sent }) => {
    reports.delete(item.id);
    const { id, owner, childId } = item;
    const { observed_at: observedAt, items } = item.report;
    sent.put({ id, owner, childId, observedAt, items });
    for (const entry of await read(sent.getAll())) {
      if (Date.parse(entry.observedAt) < oldest) sent.delete(entry.id);
    }
  });
}

// --- sending -------------------------------------------------------------------

function bodyOf(batch) {
  return JSON.stringify({ reports: batch.map((item) => item.report) });
}

async function post(batch, background) {
  const headers = { "Content-Type": "application/json" };
  if (background) headers[BACKGROUND_HEADER] = "1";
  return fetch(API, { method: "POST", credentials: "same-origin", headers, body: bodyOf(batch) });
}

const encoder = new TextEncoder();

function bytesOf(item) {
  return encoder.encode(JSON.stringify(item.report)).length + 1;
}

// The next batch from `start`: in order, at most `most` reports and never more bytes than
// the server takes. Empty when the report at `start` is too large even alone.
function nextBatch(waiting, start, most) {
  const batch = [];
  let bytes = ENVELOPE_BYTES;
  for (const item of waiting.slice(start, start + most)) {
    bytes += bytesOf(item);
    if (bytes > MAX_BYTES) break;
    batch.push(item);
  }
  return batch;
}

async function settle(batch, results) {
  const byId = new Map(batch.map((item) => [item.id, item]));
  let sent = 0;
  for (const result of Array.isArray(results) ? results : []) {
    const item = byId.get(result?.id);
    if (!item) continue;
    if (result.status === "stored" || result.status === "duplicate") {
      await confirmSent(item);
      sent += 1;
    } else if (result.status === "conflict" || result.status === "invalid") {
      await markNeedsAttention(item.id, result.errors);
    }
  }
  return sent;
}

// One pass over the waiting reports. Never trusts navigator.onLine: it just tries.
// Batches are cut by count and by size. A batch the server refuses as a whole (400 or
// 413: say a proxy allows less than the page was told) is sent again in halves; a report
// refused alone, or too large to send at all, is marked "needs attention" and the pass
// goes on, so one report the server can never take never holds back those after it.
// Resolves with { outcome, sent }: outcome is "done", "offline", "sign-in" or "refused".
async function sendWaiting(background) {
  const waiting = (await list()).filter((item) => item.status === WAITING);
  let sent = 0;
  let most = MAX_BATCH;
  let start = 0;
  while (start < waiting.length) {
    const batch = nextBatch(waiting, start, most);
    if (batch.length === 0) {
      await markNeedsAttention(waiting[start].id, cannotSend());
      start += 1;
      continue;
    }
    let response;
    let body;
    try {
      response = await post(batch, background);
      if (response.status === 401) {
        announce({ signInNeeded: true });
        return { outcome: "sign-in", sent };
      }
      if (response.status === 400 || response.status === 413) {
        if (batch.length > 1) {
          most = Math.ceil(batch.length / 2);
        } else {
          await markNeedsAttention(batch[0].id, cannotSend());
          start += 1;
        }
        continue;
      }
      if (!response.ok) return { outcome: "refused", sent };
      body = await response.json();
    } catch {
      // No network, or a captive portal answering with its own page: keep everything.
      return { outcome: "offline", sent };
    }
    start += batch.length;
    const arrived = await settle(batch, body?.results);
    sent += arrived;
    announce({ signInNeeded: false, sent });
    // Photos wait for their report to reach the server (static/js/photos.js).
    if (arrived) document.dispatchEvent(new CustomEvent("reports:sent", { detail: { sent: arrived } }));
  }
  return { outcome: "done", sent };
}

function oneTabAtATime(work) {
  if (!navigator.locks) return work();
  return navigator.locks.request(FLUSH_LOCK, work);
}

// Send what waits. Calls while a flush runs make it run once more afterwards, so a report
// saved meanwhile is not left for the next timer.
export async function flush({ background = false } = {}) {
  if (!currentOwner()) return { outcome: "done", sent: 0 };
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    let result;
    do {
      again = false;
      result = await oneTabAtATime(() => sendWaiting(background));
    } while (again && result.outcome === "done");
    return result;
  })();
  try {
    return await running;
  } finally {
    running = null;
  }
}
