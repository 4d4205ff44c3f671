// Doses noted at home wait in the same IndexedDB database as reports (store "doses",
// static/js/outbox.js) until the server has answered for them, then go to /api/doses in
// batches (contract in docs/api.md, "Doses"). Each carries the UUID made when it was
// noted, so sending again is always safe. A sent dose stays on the phone for two days,
// marked sent: a home page kept from before it was sent still shows it as noted, so
// nobody is led to give that dose again. Sent from every family page (outbox-sync.js).
import { NAMES } from "./names.js";
import { DOSES, currentOwner, read, transact } from "./outbox.js";

const API = NAMES.urls.doses;
const MAX_BATCH = 50;
// Under the server's 256 KB per body, with room for the envelope.
const MAX_BYTES = 200 * 1024;
const KEEP_SENT_MS = 48 * 60 * 60 * 1000;
const FLUSH_LOCK = "ic-dose-flush";
const BACKGROUND_HEADER = NAMES.headers.background;
export const CHANGE_EVENT = "doses-change";
export const WAITING = "waiting";
export const SENT = "sent";
export const NEEDS_ATTENTION = "attention";

function changed(detail = {}) {
  window.dispatchEvent(new CustomEvent(CHANGE_EVENT, { detail }));
}

// dose: {id, child_id, period_id, day, time, outcome, note, recorded_at}. Resolves once
// it is safely on the phone.
export async function addDose(dose) {
  const owner = currentOwner();
  if (!owner) throw new Error("nobody is signed in");
  const id = dose.id || crypto.randomUUID();
  const item = {
    id,
    owner,
    childId: dose.child_id,
    dose: { ...dose, id },
    status: WAITING,
    errors: {},
    earlier: [],
    savedAt: new Date().toISOString(),
  };
  await transact([DOSES], "readwrite", ({ doses }) => doses.put(item), { create: true });
  changed();
  return id;
}

// The signed-in account's doses on this phone (waiting, refused, sent lately), oldest first.
export async function listDoses() {
  const owner = currentOwner();
  if (!owner) return [];
  const items = await transact(
    [DOSES],
    "readonly",
    ({ doses }) => read(doses.index("owner").getAll(owner)),
    { empty: [] },
  );
  return items.sort((a, b) => a.savedAt.localeCompare(b.savedAt));
}

async function settle(byId, results) {
  let sent = 0;
  const now = Date.now();
  await transact([DOSES], "readwrite", ({ doses }) => {
    for (const result of Array.isArray(results) ? results : []) {
      const item = byId.get(result?.id);
      if (!item) continue;
      if (result.status === "stored" || result.status === "duplicate") {
        doses.put({ ...item, status: SENT, sentAt: now, earlier: result.earlier || [] });
        sent += 1;
      } else if (result.status === "conflict" || result.status === "invalid") {
        doses.put({ ...item, status: NEEDS_ATTENTION, errors: result.errors || {} });
      }
    }
  });
  return sent;
}

async function forgetOldSent() {
  const old = (await listDoses()).filter(
    (item) => item.status === SENT && Date.now() - (item.sentAt || 0) > KEEP_SENT_MS,
  );
  if (!old.length) return;
  await transact([DOSES], "readwrite", ({ doses }) => {
    for (const item of old) doses.delete(item.id);
  });
}

function batches(waiting) {
  const encoder = new TextEncoder();
  const all = [];
  let batch = [];
  let bytes = 0;
  for (const item of waiting) {
    const size = encoder.encode(JSON.stringify(item.dose)).length + 1;
    if (batch.length && (batch.length >= MAX_BATCH || bytes + size > MAX_BYTES)) {
      all.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length) all.push(batch);
  return all;
}

// One pass: resolves with { outcome: "done" | "offline" | "sign-in" | "refused", sent }.
async function sendWaiting(background) {
  await forgetOldSent();
  const waiting = (await listDoses()).filter((item) => item.status === WAITING);
  let sent = 0;
  for (const batch of batches(waiting)) {
    const headers = { "Content-Type": "application/json" };
    if (background) headers[BACKGROUND_HEADER] = "1";
    let body;
    try {
      const response = await fetch(API, {
        method: "POST",
        credentials: "same-origin",
        headers,
        body: JSON.stringify({ doses: batch.map((item) => item.dose) }),
      });
      if (response.status === 401) return { outcome: "sign-in", sent };
      if (!response.ok) return { outcome: "refused", sent };
      body = await response.json();
    } catch {
      return { outcome: "offline", sent };
    }
    sent += await settle(new Map(batch.map((item) => [item.id, item])), body?.results);
  }
  changed({ sent });
  return { outcome: "done", sent };
}

export async function flushDoses({ background = false } = {}) {
  if (!currentOwner()) return { outcome: "done", sent: 0 };
  if (!navigator.locks) return sendWaiting(background);
  return navigator.locks.request(FLUSH_LOCK, () => sendWaiting(background));
}
