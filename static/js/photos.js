// Photos on the phone: shrink them, queue them in IndexedDB, send them after their report
// or message.
//
// A photo is resized here (at most 2048 px, JPEG; drawing on a canvas also drops the EXIF
// and GPS data before anything leaves the phone), kept in its own IndexedDB database
// ("ic-photos", apart from the outbox) under the client UUID of its report or message,
// and uploaded to /api/reports/<uuid>/photos (or /api/messages/<uuid>/photos) once the
// server has that report or message: until then the server answers 404 and the photo
// simply waits, also across reloads and offline.
//
// For other page scripts (diary.js, messages.js):
//   queuePhotos(reportId, files, {kind}) -> {queued, refused}   resize and queue up to 3
//                                 files for a report (kind "report", the default), 1 for
//                                 a message (kind "message"; reportId is its UUID then)
//   flushPhotos()                -> {sent, waiting, rejected}
//   photoQueue()                 -> {waiting, rejected, byReport, byKind}
//   discardPhotos(reportId)      -> drop a report's queued photos
//   canShrink()                  -> whether this browser can prepare photos here
// or, without importing: document.dispatchEvent(new CustomEvent("photos:queue",
// {detail: {reportId, files}})) and new CustomEvent("reports:sent") after a report flush
// ("messages:sent" after a message flush, from message-outbox.js).
// This script dispatches "photos:changed" with {waiting, rejected} on document.
//
// On the report form it does the wiring itself: it shows the (hidden without JS) photo
// picker, and on submit queues the chosen photos under the form's client_uuid before
// letting the submission go on to diary.js or the server.

import { inUse, refreshPart } from "./fresh-part.js";
import { NAMES } from "./names.js";

const DB_NAME = "ic-photos";
const DB_VERSION = 1;
const STORE = "photos";
// Photos per report and per message, as the server allows (docs/api.md).
const MAX_PHOTOS = { report: 3, message: 1 };
const MAX_SIDE = 2048;
const JPEG_QUALITY = 0.85;
const FLUSH_EVERY_MS = 60 * 1000;
// The server refused the photo itself: keep it, shown as needing attention.
const REFUSED = new Set([400, 409, 413, 415]);

// --- storage -----------------------------------------------------------------

let opening = null;

function openDatabase() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(STORE, { keyPath: "id" });
        store.createIndex("report", "reportId");
      };
      request.onsuccess = () => {
        const database = request.result;
        // Sign-out deletes every database: let it, and open afresh next time.
        database.onversionchange = () => {
          database.close();
          opening = null;
        };
        resolve(database);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
  }
  return opening;
}

async function withStore(mode, work) {
  const database = await openDatabase();
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(STORE, mode);
    let result;
    Promise.resolve(work(transaction.objectStore(STORE))).then((value) => {
      result = value;
    }, reject);
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = transaction.onabort = () => reject(transaction.error);
  });
}

function asPromise(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function allItems() {
  const items = await withStore("readonly", (store) => asPromise(store.getAll()));
  return items.sort((a, b) => a.addedAt - b.addedAt);
}

// --- resizing ----------------------------------------------------------------

function canvasOfSize(width, height) {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function canvasToJpeg(canvas) {
  if (typeof canvas.convertToBlob === "function") {
    return canvas.convertToBlob({ type: "image/jpeg", quality: JPEG_QUALITY });
  }
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("no blob"))), "image/jpeg", JPEG_QUALITY);
  });
}

// A JPEG of at most MAX_SIDE px on the long side, upright, with no metadata at all.
async function shrink(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = canvasOfSize(width, height);
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // transparent parts of a PNG become white, as on the server
    context.fillRect(0, 0, width, height);
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, width, height);
    return await canvasToJpeg(canvas);
  } finally {
    bitmap.close();
  }
}

// The same report and slot always give the same photo id, so queueing a report's photos
// again (a form sent twice) replaces them instead of adding more.
async function photoId(reportId, slot) {
  if (!(crypto.subtle && crypto.subtle.digest)) return crypto.randomUUID();
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`ic-photo:${reportId}:${slot}`));
  const bytes = new Uint8Array(digest).slice(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80; // UUID version 8 (custom)
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// --- the API -----------------------------------------------------------------

export function canShrink() {
  return "indexedDB" in window && typeof createImageBitmap === "function";
}

// An item's reportId is the client UUID of its report or message (the field's name, and
// its index, date from when only reports had photos); kind says which.
export async function queuePhotos(reportId, files, { kind = "report" } = {}) {
  const chosen = Array.from(files || []);
  const items = [];
  const most = MAX_PHOTOS[kind];
  let refused = Math.max(0, chosen.length - most);
  for (const [index, file] of chosen.slice(0, most).entries()) {
    try {
      items.push({
        id: await photoId(reportId, index + 1),
        reportId: String(reportId),
        kind,
        blob: await shrink(file),
        addedAt: Date.now() + index,
        state: "waiting",
        message: "",
      });
    } catch {
      refused += 1; // not a picture this browser can read (e.g. HEIC outside Safari)
    }
  }
  if (items.length) {
    await withStore("readwrite", (store) => items.forEach((item) => store.put(item)));
  }
  await announce();
  return { queued: items.length, refused };
}

export async function discardPhotos(reportId) {
  await withStore("readwrite", async (store) => {
    const keys = await asPromise(store.index("report").getAllKeys(String(reportId)));
    keys.forEach((key) => store.delete(key));
  });
  await announce();
}

export async function photoQueue() {
  const items = await allItems();
  const byReport = {};
  const byKind = { report: { waiting: 0, rejected: 0 }, message: { waiting: 0, rejected: 0 } };
  for (const item of items) {
    const state = item.state === "rejected" ? "rejected" : "waiting";
    byReport[item.reportId] = byReport[item.reportId] || { waiting: 0, rejected: 0 };
    byReport[item.reportId][state] += 1;
    byKind[kindOf(item)][state] += 1;
  }
  const rejected = items.filter((item) => item.state === "rejected");
  return {
    waiting: items.length - rejected.length,
    rejected: rejected.map(({ id, reportId, message, kind }) => ({ id, reportId, message, kind: kind || "report" })),
    byReport,
    byKind,
  };
}

// Items queued before messages had photos carry no kind: they are a report's.
function kindOf(item) {
  return item.kind === "message" ? "message" : "report";
}

async function upload(item) {
  const body = new FormData();
  body.append("photo_id", item.id);
  body.append("photo", item.blob, "photo.jpg");
  const [before, after] = kindOf(item) === "message" ? NAMES.urls.messagePhotos : NAMES.urls.reportPhotos;
  return fetch(`${before}${encodeURIComponent(item.reportId)}${after}`, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { [NAMES.headers.background]: "1" },
  });
}

async function markRejected(item, response) {
  let message = "";
  try {
    message = String((await response.json()).message || "");
  } catch {
    // no JSON body: keep the photo marked without a message
  }
  await withStore("readwrite", (store) => store.put({ ...item, state: "rejected", message }));
}

let flushing = null;
let again = false;

async function flushOnce() {
  let sent = 0;
  const notYetThere = new Set();
  for (const item of await allItems()) {
    if (item.state === "rejected" || notYetThere.has(item.reportId)) continue;
    let response;
    try {
      response = await upload(item);
    } catch {
      break; // offline: try again later
    }
    if (response.status === 201) {
      await withStore("readwrite", (store) => store.delete(item.id));
      sent += 1;
    } else if (response.status === 404) {
      notYetThere.add(item.reportId); // the report or message is still in the outbox
    } else if (REFUSED.has(response.status)) {
      await markRejected(item, response);
    } else {
      break; // 401 (signed out: keep everything), 429, 5xx: later
    }
  }
  const queue = await announce();
  return { sent, waiting: queue.waiting, rejected: queue.rejected.length };
}

// One pass at a time; a call during a pass (a message just arrived, say) makes it run once
// more afterwards, and resolves when that run is done.
export function flushPhotos() {
  if (flushing) {
    again = true;
    return flushing;
  }
  flushing = (async () => {
    let result;
    do {
      again = false;
      result = await flushOnce();
    } while (again);
    return result;
  })().finally(() => {
    flushing = null;
  });
  return flushing;
}

// --- the page ----------------------------------------------------------------

async function announce() {
  const queue = await photoQueue();
  document.dispatchEvent(new CustomEvent("photos:changed", { detail: queue }));
  return queue;
}

function setupPicker(form) {
  const picker = form.querySelector("[data-photo-picker]");
  if (!picker || !canShrink()) return;
  const input = picker.querySelector("[data-photo-input]");
  const status = picker.querySelector("[data-photo-status]");
  picker.hidden = false;

  input.addEventListener("change", () => {
    status.textContent = input.files.length > MAX_PHOTOS.report ? picker.dataset.tooMany : "";
  });

  // Capture phase on the document: this runs before diary.js sees the submission.
  document.addEventListener(
    "submit",
    (event) => {
      if (event.target !== form || !input.files.length) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      const files = Array.from(input.files);
      const submitter = event.submitter;
      status.textContent = picker.dataset.preparing;
      queuePhotos(form.elements.client_uuid.value, files)
        .catch(() => ({ queued: 0, refused: files.length }))
        .then(({ refused }) => {
          status.textContent = refused ? picker.dataset.unusable : picker.dataset.queued;
          input.value = ""; // queued: the submission below goes through untouched
          if (typeof form.requestSubmit === "function") form.requestSubmit(submitter);
          else form.submit();
        });
    },
    true,
  );
}

const REPORT_PHOTOS = "[data-report-photos]";

// Whether the family is using the photos part of the page (the add-photo form).
function busyWithPhotos(section) {
  return inUse(section) || Array.from(section.querySelectorAll("input[type=file]")).some((input) => input.files.length);
}

function setupReportPage(reportId) {
  let hadWaiting = false;
  let refreshing = false;
  document.addEventListener("photos:changed", async (event) => {
    // Looked up each time: showing the sent photos replaces the section.
    const section = document.querySelector(REPORT_PHOTOS);
    const notice = section?.querySelector("[data-photos-waiting]");
    if (!notice) return;
    const counts = event.detail.byReport[reportId] || { waiting: 0, rejected: 0 };
    const messages = event.detail.rejected.filter((item) => item.reportId === reportId).map((item) => item.message);
    notice.hidden = counts.waiting + counts.rejected === 0;
    notice.textContent = [`${notice.dataset.text} ${counts.waiting + counts.rejected}`, ...messages].join(" ");
    if (counts.waiting > 0) hadWaiting = true;
    // Everything for this report arrived while the page was open: show the thumbnails in
    // place (not by a reload, which could land on the offline page). If that fails, the
    // next flush tries again.
    if (hadWaiting && counts.waiting === 0 && counts.rejected === 0 && !refreshing && !busyWithPhotos(section)) {
      refreshing = true;
      hadWaiting = !(await refreshPart(REPORT_PHOTOS));
      refreshing = false;
    }
  });
}

function start() {
  if (!("indexedDB" in window)) return;
  const form = document.querySelector("[data-report-form]");
  if (form) setupPicker(form);
  const section = document.querySelector(REPORT_PHOTOS);
  if (section) setupReportPage(section.dataset.reportPhotos);

  document.addEventListener("photos:queue", (event) => {
    const { reportId, files } = event.detail || {};
    if (reportId && files) queuePhotos(reportId, files).then(flushPhotos, () => undefined);
  });
  const flushSoon = () => {
    if (navigator.onLine !== false) flushPhotos().catch(() => undefined);
  };
  document.addEventListener("reports:sent", flushSoon);
  document.addEventListener("messages:sent", flushSoon);
  window.addEventListener("online", flushSoon);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") flushSoon();
  });
  setInterval(flushSoon, FLUSH_EVERY_MS);
  // Say what waits first (the report page shows it), then try to send it.
  announce().then(flushSoon, () => undefined);
}

start();
