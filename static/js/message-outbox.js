// Messages to the ward wait in the phone's outbox (store "messages", static/js/outbox.js)
// until the server has answered for them, then go to /api/messages in batches (contract
// in docs/api.md, "Messages"; the queue itself is static/js/outbox-queue.js). Sent from
// every family page (outbox-sync.js).
import { NAMES } from "./names.js";
import { MESSAGES } from "./outbox.js";
import { NEEDS_ATTENTION, WAITING, outboxQueue } from "./outbox-queue.js";

export { NEEDS_ATTENTION, WAITING };
export const CHANGE_EVENT = "messages-change";

const queue = outboxQueue({
  store: MESSAGES,
  api: NAMES.urls.messages,
  field: "message",
  changeEvent: CHANGE_EVENT,
  flushLock: "ic-message-flush",
  onStored: () => null, // the server has it: the phone forgets it
});

// message: {id, child_id, body, urgent}; withPhoto: a photo of it waits in static/js/photos.js
// (shown in the waiting list). Resolves once it is safely on the phone.
export function addMessage(message, { withPhoto = false } = {}) {
  return queue.add(message, { withPhoto });
}

export const listMessages = queue.list;

export async function flushMessages(options = {}) {
  const result = await queue.flush(options);
  // A message's photo waits for its message to reach the server (static/js/photos.js).
  if (result.sent) {
    document.dispatchEvent(new CustomEvent("messages:sent", { detail: { sent: result.sent } }));
  }
  return result;
}
