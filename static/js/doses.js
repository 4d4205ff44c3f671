// Home's doses card (templates/doses/_card.html). A tap on "Given" (or "Something else…")
// keeps the dose in the phone's outbox (static/js/dose-outbox.js) and shows it at once,
// noted, so it works offline and nobody is led to give it again; the outbox sends it when
// it can. The day is decided on the phone's clock, as countdown.js does: a copy of home
// kept yesterday shows today's doses, labelled "Today". Without IndexedDB the forms post
// as plain forms.
import { dayNumber, formatClock } from "./dates.js";
import { CHANGE_EVENT, NEEDS_ATTENTION, WAITING, addDose, flushDoses, listDoses } from "./dose-outbox.js";

const card = document.querySelector("[data-doses]");
const ZONE = document.documentElement.dataset.zone || "UTC";
const DAY_MS = 86400000;
// Outcomes after which the medicine is (at least partly) in the child (pwa/doses/store.py).
const TAKEN = new Set(["given", "partly", "vomited"]);

function isoDay(moment) {
  return new Date(dayNumber(moment, ZONE) * DAY_MS).toISOString().slice(0, 10);
}

function shift(day, days) {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function slotsOf(element) {
  return element.querySelectorAll("[data-slot]");
}

function noted(slot) {
  return slot.querySelectorAll("[data-records] > li[data-outcome]").length > 0;
}

// Which day's doses show: today's (on the phone's clock), and yesterday's nobody noted. A
// copy drawn before yesterday knows neither day well enough: it shows none and says so.
function showDay() {
  const today = isoDay(new Date());
  const yesterday = shift(today, -1);
  const old = today > shift(card.dataset.today, 1);
  for (const slot of slotsOf(card)) {
    const day = slot.dataset.day;
    slot.hidden = old || !(day === today || (day === yesterday && !noted(slot)));
    const word = day === today ? card.dataset.textToday : card.dataset.textYesterday;
    for (const label of slot.querySelectorAll("[data-day-word]")) label.textContent = word;
  }
  card.querySelector("[data-doses-old]").hidden = !old;
}

function line(item, words) {
  const dose = item.dose;
  const li = document.createElement("li");
  li.dataset.local = "";
  li.dataset.outcome = dose.outcome;
  let text = `${words[dose.outcome] || dose.outcome} — ${card.dataset.textYou}, ${formatClock(new Date(dose.recorded_at))}`;
  if (item.status === WAITING) text += ` (${card.dataset.textWaiting})`;
  if (item.status === NEEDS_ATTENTION) text += ` (${card.dataset.textRefused})`;
  if (dose.note) text += `: ${dose.note}`;
  li.textContent = text;
  return li;
}

function earlierLine(earlier, words) {
  const li = document.createElement("li");
  li.dataset.local = "";
  li.textContent = card.dataset.textEarlier
    .replace("{name}", earlier.by)
    .replace("{outcome}", words[earlier.outcome] || earlier.outcome);
  return li;
}

function findSlot(dose) {
  return [...slotsOf(card)].find(
    (slot) =>
      slot.dataset.period === String(dose.period_id) &&
      slot.dataset.day === dose.day &&
      slot.dataset.time === dose.time,
  );
}

// The doses this phone noted (waiting, refused, or sent lately) join the ones the page
// was drawn with; then each dose time shows what it holds.
async function showNoted() {
  const words = JSON.parse(card.dataset.outcomes || "{}");
  const childId = Number(card.dataset.childId);
  const items = (await listDoses()).filter((item) => item.childId === childId);
  for (const old of card.querySelectorAll("[data-records] > li[data-local]")) old.remove();
  for (const item of items) {
    const slot = findSlot(item.dose);
    if (!slot || slot.querySelector(`[data-dose-id="${item.id}"]`)) continue;
    const records = slot.querySelector("[data-records]");
    records.append(line(item, words));
    for (const earlier of item.earlier || []) records.append(earlierLine(earlier, words));
  }
  for (const slot of slotsOf(card)) {
    const outcomes = [...slot.querySelectorAll("[data-records] > li[data-outcome]")];
    slot.querySelector(".dose-given").hidden = outcomes.length > 0;
    slot.querySelector("[data-twice]").hidden =
      outcomes.filter((li) => TAKEN.has(li.dataset.outcome)).length < 2;
  }
  showDay();
}

async function keep(form) {
  const data = new FormData(form);
  await addDose({
    id: crypto.randomUUID(),
    child_id: Number(data.get("child_id")),
    period_id: Number(data.get("period_id")),
    day: data.get("day"),
    time: data.get("time"),
    outcome: data.get("outcome"),
    note: data.get("note") || "",
    recorded_at: new Date().toISOString(),
  });
  form.reset();
  const details = form.closest("details");
  if (details) details.open = false;
  await showNoted();
  flushDoses().catch(() => undefined);
}

if (card) {
  showDay();
  setInterval(showDay, 60 * 1000);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") showDay();
  });
  if ("indexedDB" in window && document.body.dataset.owner) {
    for (const form of card.querySelectorAll("[data-dose-form]")) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        keep(form).catch(() => form.submit());
      });
    }
    window.addEventListener(CHANGE_EVENT, () => showNoted().catch(() => undefined));
    showNoted().catch(() => undefined);
  }
}
