// The composer on the family's conversation page: a message is kept on the phone first
// (static/js/message-outbox.js) and sent when it can be, so it can be written offline.
// Without IndexedDB the form posts as a plain form. Ticking "urgent" shows the reminder
// to call when it cannot wait.
import { CHANGE_EVENT, NEEDS_ATTENTION, addMessage, flushMessages, listMessages } from "./message-outbox.js";

const form = document.getElementById("message-form");
const box = document.getElementById("message-outbox");
const list = document.getElementById("message-outbox-list");
const urgentNote = document.getElementById("urgent-note");

function entry(item) {
  const li = document.createElement("li");
  li.className = "thread__item thread__item--family";
  const meta = document.createElement("p");
  meta.className = "thread__meta";
  meta.textContent = item.status === NEEDS_ATTENTION ? form.dataset.attentionText : form.dataset.waitingText;
  if (item.message.urgent) meta.textContent += ` · ${form.dataset.urgentText}`;
  const text = document.createElement("p");
  text.className = "family-note";
  text.textContent = item.message.body;
  li.append(meta, text);
  return li;
}

async function showWaiting() {
  const childId = Number(form.dataset.childId);
  const items = (await listMessages()).filter((item) => item.childId === childId);
  list.replaceChildren(...items.map(entry));
  box.hidden = items.length === 0;
}

function send() {
  return flushMessages().catch(() => undefined);
}

function onChange(event) {
  // The server has some now (sent from here or by outbox-sync.js): show the conversation
  // as it stands, unless a new message is half written.
  if (event.detail?.sent && !form.elements.body.value.trim()) window.location.reload();
  else showWaiting().catch(() => undefined);
}

if (form && "indexedDB" in window && document.body.dataset.owner) {
  // A kept copy of this page carries an old id: a new one for every new message.
  form.elements.message_id.value = crypto.randomUUID();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = {
      id: form.elements.message_id.value || crypto.randomUUID(),
      child_id: Number(form.dataset.childId),
      body: form.elements.body.value,
      urgent: form.elements.urgent.checked,
    };
    await addMessage(message);
    form.reset();
    form.elements.message_id.value = crypto.randomUUID();
    if (urgentNote) urgentNote.hidden = !message.urgent;
    await showWaiting();
    await send();
  });
  window.addEventListener(CHANGE_EVENT, onChange);
  showWaiting().catch(() => undefined);
}

form?.elements.urgent?.addEventListener("change", (event) => {
  if (urgentNote && event.target.checked) urgentNote.hidden = false;
});
