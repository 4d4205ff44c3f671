// The report form with JavaScript: the report goes to the outbox on this phone first,
// the red-flag advice shows at once (also offline), then the outbox is sent. Without
// JavaScript, or without IndexedDB, the form posts to the server as a plain form.
import { evaluate, strongestPerItem } from "./redflags.js";
import { showNumbersFor } from "./staffed.js";
import { add, flush, list, recentlySent } from "./outbox.js";

const form = document.querySelector("[data-report-form]");
const context = JSON.parse(document.getElementById("diary-context")?.textContent || "{}");
const slot = document.querySelector("[data-advice-slot]");
const language = document.documentElement.lang || "en";
// As pwa/diary/sync.py: how far ahead a clock may be, and how old a report may be.
const MAX_FUTURE_MS = 10 * 60 * 1000;
const MAX_AGE_MS = 90 * 24 * 60 * 60 * 1000;
const NOT_AN_ANSWER = new Set(["csrf_token", "client_uuid", "corrects", "note", "observed_date", "observed_time"]);
const NUMBER = /^\s*[+-]?\d+(?:[.,]\d+)?\s*$/;
// Arabic-Indic digits (and their Eastern forms) and the Arabic decimal separator or comma,
// read as Latin digits and a point, like decimal_text() in pwa/text_input.py.
function latinDecimal(text) {
  return text
    .replace(/[\u0660-\u0669]/g, (digit) => String(digit.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (digit) => String(digit.charCodeAt(0) - 0x06f0))
    .replace(/[\u066b\u060c]/g, ".");
}
let whenTouched = false;
let saving = false;

// --- the observed time -------------------------------------------------------

const pad = (value) => String(value).padStart(2, "0");

function setWhenToNow() {
  const now = new Date();
  form.elements.observed_date.value = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  form.elements.observed_time.value = `${pad(now.getHours())}:${pad(now.getMinutes())}`;
  whenTouched = false;
}

// The typed local date and time as an instant, with this phone's offset for that moment.
function observedAt(dateText, timeText) {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateText);
  const time = /^(\d{2}):(\d{2})/.exec(timeText);
  if (!date || !time) return null;
  const moment = new Date(+date[1], date[2] - 1, +date[3], +time[1], +time[2]);
  if (Number.isNaN(moment.getTime())) return null;
  const offset = -moment.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const zone = `${sign}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  const local = `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
  return { moment, iso: `${local}T${pad(moment.getHours())}:${pad(moment.getMinutes())}:00${zone}` };
}

// --- reading the answers -----------------------------------------------------

// A decimal as the server keeps it: one decimal, halves to even (Python's Decimal).
function tenths(text) {
  const [whole, fraction = ""] = text.trim().replace(",", ".").replace("+", "").split(".");
  const negative = whole.startsWith("-");
  const digits = whole.replace("-", "");
  let scaled = Number(digits) * 10 + Number(fraction[0] || 0);
  const rest = fraction.slice(1).replace(/0+$/, "");
  if (rest && (rest[0] > "5" || (rest[0] === "5" && (rest.length > 1 || scaled % 2 === 1)))) scaled += 1;
  return (negative ? -scaled : scaled) / 10;
}

function numberAnswer(input, typedText, problems) {
  const text = latinDecimal(typedText);
  if (!NUMBER.test(text)) {
    problems.set(input, form.dataset.messageNumber);
    return undefined;
  }
  const typed = Number(text.trim().replace(",", "."));
  if (typed < Number(input.dataset.low) || typed > Number(input.dataset.high)) {
    problems.set(input, input.dataset.rangeMessage);
    return undefined;
  }
  return tenths(text);
}

function readReport() {
  const problems = new Map();
  const items = {};
  for (const [name, value] of new FormData(form)) {
    if (NOT_AN_ANSWER.has(name) || typeof value !== "string" || value.trim() === "") continue;
    const field = form.elements.namedItem(name);
    if (field instanceof HTMLInputElement && field.dataset.low !== undefined) {
      const number = numberAnswer(field, value, problems);
      if (number !== undefined) items[name] = number;
    } else if (form.querySelector(`[data-scale] [name="${CSS.escape(name)}"]`)) {
      items[name] = Number.parseInt(value, 10);
    } else {
      items[name] = value;
    }
  }
  const { observed_date: dateInput, observed_time: timeInput, note: noteInput } = form.elements;
  const when = observedAt(dateInput.value, timeInput.value);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dateInput.value)) problems.set(dateInput, form.dataset.messageDate);
  else if (!when) problems.set(timeInput, form.dataset.messageTime);
  else if (when.moment.getTime() > Date.now() + MAX_FUTURE_MS) problems.set(timeInput, form.dataset.messageFuture);
  else if (when.moment.getTime() < Date.now() - MAX_AGE_MS) problems.set(dateInput, form.dataset.messageTooOld);
  const note = noteInput.value.trim();
  const report = {
    id: form.elements.client_uuid.value,
    child_id: context.child_id,
    observed_at: when?.iso,
    items,
    note,
    corrects: form.elements.corrects.value || null,
  };
  const empty = problems.size === 0 && Object.keys(items).length === 0 && !note;
  return { report, when, problems, empty };
}

// --- showing problems the way the server does ---------------------------------

// Messages of an earlier check, the script's or the server's (after a plain post): the
// form is checked afresh.
function clearProblems() {
  document.querySelectorAll("[data-client-error], .error-summary").forEach((element) => element.remove());
  form.querySelectorAll(".field--error .error").forEach((element) => element.remove());
  form.querySelectorAll(".field--error").forEach((element) => element.classList.remove("field--error"));
  for (const element of form.querySelectorAll("[aria-invalid], [aria-describedby]")) {
    element.removeAttribute("aria-invalid");
    const described = (element.getAttribute("aria-describedby") || "").split(" ");
    const kept = described.filter((id) => id && document.getElementById(id));
    if (kept.length) element.setAttribute("aria-describedby", kept.join(" "));
    else element.removeAttribute("aria-describedby");
  }
}

function showProblems(problems, summaryText) {
  for (const [input, message] of problems) {
    const error = document.createElement("p");
    error.className = "error";
    error.id = `${input.id}-error`;
    error.dataset.clientError = "";
    error.textContent = message;
    input.closest(".field").classList.add("field--error");
    input.after(error);
    input.setAttribute("aria-invalid", "true");
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    input.setAttribute("aria-describedby", [...described, error.id].join(" "));
  }
  const summary = document.createElement("div");
  summary.className = "error-summary";
  summary.setAttribute("role", "alert");
  summary.tabIndex = -1;
  summary.dataset.clientError = "";
  const text = document.createElement("p");
  text.textContent = summaryText;
  summary.append(text);
  form.before(summary);
  summary.focus();
}

// --- the advice ----------------------------------------------------------------

// While the full-screen advice shows, everything else is out of reach (and of the
// screen reader): each ancestor's other children are made inert.
function setRestInert(keep, inert) {
  for (let node = keep; node && node !== document.body; node = node.parentElement) {
    for (const sibling of node.parentElement.children) {
      if (sibling !== node && !(sibling instanceof HTMLScriptElement)) sibling.inert = inert;
    }
  }
}

function closeAdvice() {
  const open = slot.querySelector("[data-advice]:not([hidden])");
  if (!open) return;
  if (open.dataset.advice === "red") setRestInert(open, false);
  open.hidden = true;
  document.getElementById("main").focus();
}

// Each reason as the server picked it for this reader (pwa/hospital_texts.py): their
// language, else Dutch, else English; words in another language carry its lang and dir
// and a small "(in Nederlands)" after them, as on the server's pages.
function reasonsIn(rules) {
  return rules.map((rule) => {
    const line = document.createElement("li");
    const shown = rule.shown || { text: rule.reason?.[language] || rule.reason?.en || rule.id, mark: "" };
    if (!shown.mark) {
      line.textContent = shown.text;
      return line;
    }
    const words = document.createElement("span");
    words.lang = shown.lang;
    words.dir = shown.dir;
    words.textContent = shown.text;
    const mark = document.createElement("small");
    mark.className = "in-language";
    mark.textContent = shown.mark;
    line.append(words, " ", mark);
    return line;
  });
}

function showAdvice(verdict) {
  closeAdvice();
  const section = slot.querySelector(`[data-advice="${verdict.level}"]`);
  section.querySelector("[data-advice-reasons]").replaceChildren(...reasonsIn(strongestPerItem(verdict.reasons)));
  // The number for this moment in the hospital's staffed hours; 112 first for a
  // life-threatening sign.
  showNumbersFor(section, context.hours);
  for (const part of section.querySelectorAll("[data-emergency]")) {
    part.hidden = (part.dataset.emergency === "show") !== verdict.emergency;
  }
  section.hidden = false;
  if (verdict.level === "red") setRestInert(section, true);
  section.focus();
}

// --- saving --------------------------------------------------------------------

async function earlierReports() {
  const unsent = (await list()).filter((item) => item.childId === context.child_id);
  const sent = await recentlySent(context.child_id);
  const seen = new Set();
  const earlier = [];
  const entries = [
    ...(context.recent || []).map((entry) => [entry.observed_at, entry.items]),
    ...unsent.map((item) => [item.report.observed_at, item.report.items]),
    ...sent.map((entry) => [entry.observedAt, entry.items]),
  ];
  // The page's recent values and this phone's sent reports overlap: count each once.
  for (const [at, items] of entries) {
    const observed = new Date(at);
    const key = `${observed.getTime()} ${JSON.stringify(Object.entries(items).sort())}`;
    if (seen.has(key)) continue;
    seen.add(key);
    earlier.push({ observedAt: observed, items });
  }
  return earlier;
}

function clearForm() {
  for (const element of form.elements) {
    if (element.type === "radio" || element.type === "checkbox") element.checked = false;
    else if (element.type === "text" || element.tagName === "TEXTAREA") element.value = "";
  }
  form.elements.corrects.value = "";
  document.querySelector("[data-correcting]")?.remove();
  form.elements.client_uuid.value = crypto.randomUUID();
  setWhenToNow();
}

// Resolves with the advice to show, or null when the form has problems to fix first.
async function keep() {
  clearProblems();
  if (!whenTouched) setWhenToNow();
  const { report, when, problems, empty } = readReport();
  if (problems.size || empty) {
    showProblems(problems, problems.size ? form.dataset.messageSummary : form.dataset.messageEmpty);
    return null;
  }
  const verdict = evaluate(context.rules || [], report.items, when.moment, await earlierReports());
  await add({ ...report, client_level: verdict.level });
  return verdict;
}

async function save(event) {
  event.preventDefault();
  if (saving) return; // a second tap while the first report is being kept
  saving = true;
  let verdict;
  try {
    verdict = await keep();
  } catch {
    // Nothing was kept (no IndexedDB in some private modes): the server takes the form.
    form.submit();
    return;
  } finally {
    saving = false;
  }
  if (!verdict) return;
  showAdvice(verdict);
  clearForm();
  flush().catch(() => undefined);
}

function start() {
  // This page may come from the phone's cache: a fresh id, and the time of now.
  form.elements.client_uuid.value = crypto.randomUUID();
  // After a server-side check failed, keep the time that was typed.
  if (form.querySelector(".field--error")) whenTouched = true;
  else setWhenToNow();
  form.elements.observed_date.addEventListener("input", () => (whenTouched = true));
  form.elements.observed_time.addEventListener("input", () => (whenTouched = true));
  form.addEventListener("submit", save);
  slot.addEventListener("click", (event) => {
    if (event.target.closest("[data-advice-close]")) closeAdvice();
  });
  slot.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeAdvice();
  });
}

if (form && slot && window.indexedDB && window.crypto?.randomUUID) start();
