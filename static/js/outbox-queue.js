// One queue of the phone's outbox (the IndexedDB database of static/js/outbox.js) that
// goes to one batch endpoint of the sync contract (docs/api.md): each item is kept, under
// the UUID made when it was written, until the server has answered for it; items go in
// batches under the server's body limit; one flush at a time per queue (Web Locks), so
// two tabs never send the same item at once, and sending again is always safe.
import { NAMES } from "./names.js";
import { currentOwner, read, transact } from "./outbox.js";

export const WAITING = "waiting";
export const NEEDS_ATTENTION = "attention";
const MAX_BATCH = 50;
// Under the server's 256 KB per body, with room for the envelope.
const MAX_BYTES = 200 * 1024;
const BACKGROUND_HEADER = NAMES.headers.background;

// store: the IndexedDB store; api: the URL; field: the item's field that holds what is
// sent ("message"), and field + "s" the list in the request body; changeEvent: announced
// on window whenever the queue changed; flushLock: the Web Lock's name.
// onStored(item, result, now): what the item becomes once the server has it (null: gone
// from the phone). tidy(items): items to forget before a flush (e.g. kept sent ones).
export function outboxQueue({ store, api, field, changeEvent, flushLock, onStored, tidy }) {
  function changed(detail = {}) {
    window.dispatchEvent(new CustomEvent(changeEvent, { detail }));
  }

  // Resolves with the item's id once it is safely on the phone.
  async function add(value, extra = {}) {
    const owner = currentOwner();
    if (!owner) throw new Error("nobody is signed in");
    const id = value.id || crypto.randomUUID();
    const item = {
      id,
      owner,
      childId: value.child_id,
      [field]: { ...value, id },
      status: WAITING,
      errors: {},
      savedAt: new Date().toISOString(),
      ...extra,
    };
    await transact([store], "readwrite", (stores) => stores[store].put(item), { create: true });
    changed();
    return id;
  }

  // The signed-in account's items on this phone, oldest first.
  async function list() {
    const owner = currentOwner();
    if (!owner) return [];
    const items = await transact(
      [store],
      "readonly",
      (stores) => read(stores[store].index("owner").getAll(owner)),
      { empty: [] },
    );
    return items.sort((a, b) => a.savedAt.localeCompare(b.savedAt));
  }

  // The server's answers applied; how many were stored and how many items changed.
  async function settle(byId, results) {
    let sent = 0;
    let touched = 0;
    const now = Date.now();
    await transact([store], "readwrite", (stores) => {
      for (const result of Array.isArray(results) ? results : []) {
        const item = byId.get(result?.id);
        if (!item) continue;
        if (result.status === "stored" || result.status === "duplicate") {
          const kept = onStored(item, result, now);
          if (kept) stores[store].put(kept);
          else stores[store].delete(item.id);
          sent += 1;
          touched += 1;
        } else if (result.status === "conflict" || result.status === "invalid") {
          stores[store].put({ ...item, status: NEEDS_ATTENTION, errors: result.errors || {} });
          touched += 1;
        }
      }
    });
    return { sent, touched };
  }

  function batches(waiting) {
    const encoder = new TextEncoder();
    const all = [];
    let batch = [];
    let bytes = 0;
    for (const item of waiting) {
      const size = encoder.encode(JSON.stringify(item[field])).length + 1;
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

  async function forget(items) {
    if (!items.length) return 0;
    await transact([store], "readwrite", (stores) => {
      for (const item of items) stores[store].delete(item.id);
    });
    return items.length;
  }

  // One pass: resolves with { outcome: "done" | "offline" | "sign-in" | "refused", sent }.
  async function sendWaiting(background) {
    let touched = tidy ? await forget(tidy(await list())) : 0;
    const waiting = (await list()).filter((item) => item.status === WAITING);
    let sent = 0;
    let outcome = "done";
    for (const batch of batches(waiting)) {
      const headers = { "Content-Type": "application/json" };
      if (background) headers[BACKGROUND_HEADER] = "1";
      let body;
      try {
        const response = await fetch(api, {
          method: "POST",
          credentials: "same-origin",
          headers,
          body: JSON.stringify({ [`${field}s`]: batch.map((item) => item[field]) }),
        });
        if (response.status === 401) outcome = "sign-in";
        else if (!response.ok) outcome = "refused";
        else body = await response.json();
      } catch {
        outcome = "offline";
      }
      if (outcome !== "done") break;
      const settled = await settle(new Map(batch.map((item) => [item.id, item])), body?.results);
      sent += settled.sent;
      touched += settled.touched;
    }
    if (touched) changed({ sent });
    return { outcome, sent };
  }

  async function flush({ background = false } = {}) {
    if (!currentOwner()) return { outcome: "done", sent: 0 };
    if (!navigator.locks) return sendWaiting(background);
    return navigator.locks.request(flushLock, () => sendWaiting(background));
  }

  return { add, list, flush };
}
