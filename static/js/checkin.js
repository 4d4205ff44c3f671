// Home's check-in card (templates/checkins/_card.html) speaks of the day the page was
// drawn: "today is a check-in day", or "today's check-in is done". A copy of home the phone
// kept from an earlier day, opened offline, or a page left open overnight, must not say
// either about today: the family could skip today's report. The day is the phone's, in the
// hospital's zone (as doses.js decides it); on another day the card goes until home is
// drawn again online.
import { dayNumber } from "./dates.js";

const card = document.querySelector("[data-checkin-day]");
const ZONE = document.documentElement.dataset.zone || "UTC";
const DAY_MS = 86400000;

function showForToday() {
  const today = new Date(dayNumber(new Date(), ZONE) * DAY_MS).toISOString().slice(0, 10);
  card.hidden = today !== card.dataset.checkinDay;
}

if (card) {
  showForToday();
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") showForToday();
  });
}
