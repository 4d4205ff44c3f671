// Doses noted at home wait in the phone's outbox (store "doses", static/js/outbox.js) until
// the server has answered for them, then go to /api/doses in batches (contract in
// docs/api.md, "Doses"; the queue itself is static/js/outbox-queue.js). A sent dose stays
// on the phone for two days, marked sent: a home page kept from before it was sent still
// shows it as noted, so nobody is led to give that dose again. Sent from every family page
// (outbox-sync.js).
import { NAMES } from "./names.js";
import { DOSES } from "./outbox.js";
import { NEEDS_ATTENTION, WAITING, outboxQueue } from "./outbox-queue.js";

export { NEEDS_ATTENTION, WAITING };
export const SENT = "sent";
export const CHANGE_EVENT = "doses-change";
const KEEP_SENT_MS = 48 * 60 * 60 * 1000;

const queue = outboxQueue({
  store: DOSES,
  api: NAMES.urls.doses,
  field: "dose",
  changeEvent: CHANGE_EVENT,
  flushLock: "ic-dose-flush",
  // Kept, marked sent, with whoever noted that dose before (the server's answer).
  onStored: (item, result, now) => ({
    ...item,
    status: SENT,
    sentAt: now,
    earlier: result.earlier || [],
  }),
  tidy: (items) =>
    items.filter((item) => item.status === SENT && Date.now() - (item.sentAt || 0) > KEEP_SENT_MS),
});

// dose: {id, child_id, period_id, day, time, outcome, note, recorded_at}. Resolves once
// it is safely on the phone.
export function addDose(dose) {
  return queue.add(dose, { earlier: [] });
}

export const listDoses = queue.list;
export const flushDoses = queue.flush;
