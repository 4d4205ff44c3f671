// The "when to call us" card: show the number that applies right now, decided on this
// phone from the hospital's staffed hours (the page may come from the phone's cache,
// days after the server wrote it). Checked again every minute while the page is open.
import { hoursFrom, showNumbersFor } from "./staffed.js";

const cards = [...document.querySelectorAll("[data-staffed-days]")];

function update() {
  for (const card of cards) showNumbersFor(card, hoursFrom(card));
}

if (cards.length) {
  update();
  setInterval(update, 60 * 1000);
}
