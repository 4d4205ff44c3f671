// What the family sees of the outbox, also offline: "N reports waiting to be sent" on
// every family page, the list of waiting reports (and those that need attention, with
// the hospital's reasons) where the page has one, "Sign in again to send N reports"
// when the session has ended, and a warning next to "Sign out" that signing out deletes
// them. All words come from the page; text goes in as textContent.
import { NEEDS_ATTENTION, list, markWaiting, onChange, remove, flush } from "./outbox.js";
import { formatMoment } from "./dates.js";

const indicator = document.querySelector("[data-outbox-indicator]");
const signIn = document.querySelector("[data-outbox-sign-in]");
const summary = document.querySelector("[data-outbox-summary]");
const signOutWarning = document.querySelector("[data-outbox-warning]");
const language = document.documentElement.lang || "en";
const plurals = new Intl.PluralRules(language);
// Latin digits in every language, as the server writes them (data-region, pwa/i18n.py).
const numbers = new Intl.NumberFormat(document.documentElement.dataset.region || language);
let signInNeeded = false;

// The element's data-text-one / data-text-other, for this count.
function countText(element, count) {
  const category = plurals.select(count);
  const key = `text${category[0].toUpperCase()}${category.slice(1)}`;
  const text = element.dataset[key] || element.dataset.textOther;
  return text.replace("{n}", numbers.format(count));
}

function showCount(element, count) {
  if (!element) return;
  element.hidden = count === 0;
  element.textContent = count ? countText(element, count) : "";
}

function showSignIn(count) {
  if (!signIn) return;
  const link = signIn.querySelector("a");
  signIn.hidden = !(signInNeeded && count);
  link.textContent = count ? countText(link, count) : "";
}

function errorLines(errors) {
  return Object.values(errors || {}).map((message) => {
    const line = document.createElement("li");
    line.textContent = String(message);
    return line;
  });
}

function row(item) {
  const template = summary.querySelector("template[data-outbox-row]");
  const line = template.content.firstElementChild.cloneNode(true);
  line.dataset.reportId = item.id;
  line.querySelector("[data-row-when]").textContent = formatMoment(new Date(item.report.observed_at));
  for (const tag of line.querySelectorAll("[data-row-level]")) {
    if (tag.dataset.rowLevel !== item.report.client_level) tag.remove();
  }
  const note = line.querySelector("[data-row-note]");
  if (item.report.note) note.textContent = item.report.note;
  else note.remove();
  const attention = item.status === NEEDS_ATTENTION;
  if (attention) line.querySelector("[data-row-waiting]").remove();
  else line.querySelector("[data-row-attention]").remove();
  if (attention) {
    line.querySelector("[data-row-errors]").replaceChildren(...errorLines(item.errors));
    line.querySelector("[data-row-retry]").addEventListener("click", async () => {
      await markWaiting(item.id);
      flush().catch(() => undefined);
    });
    line.querySelector("[data-row-remove]").addEventListener("click", async () => {
      if (window.confirm(summary.dataset.confirmRemove)) await remove(item.id);
    });
  }
  return line;
}

function showList(items) {
  if (!summary) return;
  summary.hidden = items.length === 0;
  showCount(summary.querySelector("[data-outbox-count]"), items.length);
  summary.querySelector("[data-outbox-list]").replaceChildren(...items.map(row));
}

async function refresh() {
  const items = await list();
  showCount(indicator, items.length);
  showCount(signOutWarning, items.length);
  showSignIn(items.length);
  showList(items);
}

onChange((detail) => {
  if ("signInNeeded" in detail) signInNeeded = detail.signInNeeded;
  refresh().catch(() => undefined);
});
refresh().catch(() => undefined);
