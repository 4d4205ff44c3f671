// Messages to the ward wait in the same IndexedDB database as reports (store "messages",
// static/js/outbox.js) until the server has answered for them, then go to /api/messages
// in batches (contract in docs/api.md, "Messages"). Each carries the UUID made when it was
// written, so sending again is always safe. Sent from every family page (outbox-sync.js).
import { NAMES } from "./names.js";
import { MESSAGES, currentOwner, read, transact } from "./outbox.js";

const API = NAMES.urls.messages;
const MAX_BATCH = 50;
// Under the server's 256 KB per body, with room for the envelope.
const MAX_BYTES = 200 * 1024;
const FLUSH_LOCK = "ic-message-flush";
const BACKGROUND_HEADER = NAMES.headers.background;
export const CHANGE_EVENT = "messages-change";
export const WAITING = "waiting";
export const NEEDS_ATTENTION = "attention";

function changed(detail = {}) {
  window.dispatchEvent(new CustomEvent(CHANGE_EVENT, { detail }));
}

// message: {id, child_id, body, urgent}; withPhoto: a photo of it waits in static/js/photos.js
// (shown in the waiting list). Resolves once it is safely on the phone.
export async function addMessage(message, { withPhoto = false } = {}) {
  const owner = currentOwner();
  if (!owner) throw new Error("nobody is signed in");
  const id = message.id || crypto.randomUUID();
  const item = {
    id,
    owner,
    childId: message.child_id,
    message: { ...message, id },
    status: WAITING,
    withPhoto,
    errors: {},
    savedAt: new Date().toISOString(),
  };
  await transact([MESSAGES], "readwrite", ({ messages }) => messages.put(item), { create: true });
  changed();
  return id;
}

// The signed-in account's messages on this phone, oldest first.
export async function listMessages() {
  const owner = currentOwner();
  if (!owner) return [];
  const items = await transact(
    [MESSAGES],
    "readonly",
    ({ messages }) => read(messages.index("owner").getAll(owner)),
    { empty: [] },
  );
  return items.sort((a, b) => a.savedAt.localeCompare(b.savedAt));
}

async function settle(byId, results) {
  let sent = 0;
  await transact([MESSAGES], "readwrite", ({ messages }) => {
    for (const result of Array.isArray(results) ? results : []) {
      const item = byId.get(result?.id);
      if (!item) continue;
      if (result.status === "stored" || result.status === "duplicate") {
        messages.delete(item.id);
        sent += 1;
      } else if (result.status === "conflict" || result.status === "invalid") {
        messages.put({ ...item, status: NEEDS_ATTENTION, errors: result.errors || {} });
      }
    }
  });
  return sent;
}

function batches(waiting) {
  const encoder = new TextEncoder();
  const all = [];
  let batch = [];
  let bytes = 0;
  for (const item of waiting) {
    const size = encoder.encode(JSON.stringify(item.message)).length + 1;
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
  const waiting = (await listMessages()).filter((item) => item.status === WAITING);
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
        body: JSON.stringify({ messages: batch.map((item) => item.message) }),
      });
      if (response.status === 401) return { outcome: "sign-in", sent };
      if (!response.ok) return { outcome: "refused", sent };
      body = await response.json();
    } catch {
      return { outcome: "offline", sent };
    }
    sent += await settle(new Map(batch.map((item) => [item.id, item])), body?.results);
  }
  if (sent) {
    changed({ sent });
    // A message's photo waits for its message to reach the server (static/js/photos.js).
    document.dispatchEvent(new CustomEvent("messages:sent", { detail: { sent } }));
  }
  return { outcome: "done", sent };
}

export async function flushMessages({ background = false } = {}) {
  if (!currentOwner()) return { outcome: "done", sent: 0 };
  if (!navigator.locks) return sendWaiting(background);
  return navigator.locks.request(FLUSH_LOCK, () => sendWaiting(background));
}
