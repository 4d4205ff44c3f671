// "in 3 days" counted on the phone from the visit's start, so home opened offline days
// later (the service worker's copy) still counts right; once the visit has begun the
// copy's countdown is wrong whatever it says, so it goes (the page shows "Last updated").
import { dayNumber } from "./dates.js";

const plurals = new Intl.PluralRules(document.documentElement.lang || "en");

function countdownText(element, days) {
  if (days === 0) return element.dataset.textToday;
  if (days === 1) return element.dataset.textTomorrow;
  const category = plurals.select(days);
  const key = `text${category[0].toUpperCase()}${category.slice(1)}`;
  return (element.dataset[key] || element.dataset.textOther).replace("{n}", String(days));
}

function update(element, now) {
  const starts = new Date(element.dataset.starts);
  const zone = element.dataset.zone;
  if (Number.isNaN(starts.getTime()) || now >= starts) {
    element.hidden = true;
    return;
  }
  const days = dayNumber(starts, zone) - dayNumber(now, zone);
  element.querySelector("strong").textContent = countdownText(element, days);
  element.hidden = false;
}

function updateAll() {
  const now = new Date();
  for (const element of document.querySelectorAll("[data-countdown]")) update(element, now);
}

updateAll();
// A page left open overnight moves on at midnight too.
setInterval(updateAll, 60 * 1000);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") updateAll();
});
