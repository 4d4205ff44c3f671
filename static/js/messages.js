// The composer on the family's conversation page: a message is kept on the phone first
// (static/js/message-outbox.js) and sent when it can be, so it can be written offline.
// Its optional photo is shrunk on the phone and waits in static/js/photos.js until the
// message is on the server, then goes by its own upload. Without IndexedDB (or, with a
// photo, without the means to shrink it) the form posts as a plain multipart form.
// Ticking "urgent" shows the reminder to call when it cannot wait.
import { CHANGE_EVENT, NEEDS_ATTENTION, addMessage, flushMessages, listMessages } from "./message-outbox.js";
import { refreshPart } from "./fresh-part.js";
import { canShrink, flushPhotos, queuePhotos } from "./photos.js";

const form = document.getElementById("message-form");
const box = document.getElementById("message-outbox");
const list = document.getElementById("message-outbox-list");
const urgentNote = document.getElementById("urgent-note");
const photosWaiting = document.getElementById("message-photos-waiting");
const photoStatus = document.getElementById("message-photo-status");

function entry(item) {
  const li = document.createElement("li");
  li.className = "thread__item thread__item--family";
  const meta = document.createElement("p");
  meta.className = "thread__meta";
  meta.textContent = item.status === NEEDS_ATTENTION ? form.dataset.attentionText : form.dataset.waitingText;
  if (item.message.urgent) meta.textContent += ` · ${form.dataset.urgentText}`;
  if (item.withPhoto) meta.textContent += ` · ${form.dataset.photoText}`;
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

// The conversation as the server has it, swapped in place: a reload could land on the
// offline page on a connection that has only just come back, and would throw away a
// message being written.
const THREAD = "[data-thread-sent]";

async function onChange(event) {
  // The server has some now (sent from here or by outbox-sync.js): send their photos,
  // then show the conversation as it stands.
  if (event.detail?.sent) {
    await flushPhotos().catch(() => undefined);
    await refreshPart(THREAD);
  }
  await showWaiting().catch(() => undefined);
}

// Photos of sent messages still on this phone: say how many, and show the conversation
// again once they have all arrived (tried again at the next flush if that fails).
let hadWaitingPhotos = false;
async function onPhotos(event) {
  const counts = event.detail.byKind.message;
  const messages = event.detail.rejected.filter((item) => item.kind === "message").map((item) => item.message);
  photosWaiting.hidden = counts.waiting + counts.rejected === 0;
  photosWaiting.textContent = [`${photosWaiting.dataset.text} ${counts.waiting + counts.rejected}`, ...messages].join(" ");
  if (counts.waiting > 0) hadWaitingPhotos = true;
  else if (hadWaitingPhotos && counts.rejected === 0) hadWaitingPhotos = !(await refreshPart(THREAD));
}

function freshIds() {
  form.elements.message_id.value = crypto.randomUUID();
  if (form.elements.photo_id) form.elements.photo_id.value = crypto.randomUUID();
}

async function keep(event) {
  const file = form.elements.photo?.files?.[0];
  if (file && !canShrink()) return; // the plain form carries the photo itself
  event.preventDefault();
  const message = {
    id: form.elements.message_id.value || crypto.randomUUID(),
    child_id: Number(form.dataset.childId),
    body: form.elements.body.value,
    urgent: form.elements.urgent.checked,
  };
  if (file) {
    // The photo first: if this browser cannot read it, nothing is kept and the text stays.
    const { queued } = await queuePhotos(message.id, [file], { kind: "message" }).catch(() => ({ queued: 0 }));
    if (!queued) {
      form.elements.photo.value = "";
      photoStatus.textContent = form.dataset.photoUnusable;
      return;
    }
  }
  await addMessage(message, { withPhoto: Boolean(file) });
  form.reset();
  photoStatus.textContent = "";
  freshIds();
  if (urgentNote) urgentNote.hidden = !message.urgent;
  await showWaiting();
  await send();
}

if (form && "indexedDB" in window && document.body.dataset.owner) {
  // A kept copy of this page carries old ids: new ones for every new message (the photo
  // id matters only when the plain form carries the photo, see keep()).
  freshIds();
  form.addEventListener("submit", keep);
  form.elements.photo?.addEventListener("change", () => {
    photoStatus.textContent = "";
  });
  window.addEventListener(CHANGE_EVENT, (event) => {
    onChange(event).catch(() => undefined);
  });
  if (photosWaiting) document.addEventListener("photos:changed", onPhotos);
  showWaiting().catch(() => undefined);
}

form?.elements.urgent?.addEventListener("change", (event) => {
  if (urgentNote && event.target.checked) urgentNote.hidden = false;
});
