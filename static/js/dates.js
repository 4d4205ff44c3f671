// Dates and times written the way the server writes them (pwa/dates.py): a moment as
// "Thu 3 Dec, 14:05", a day as "3 Dec", a visit's day as "Thursday 3 December", with the
// year only outside the current year. The region comes from the page (<html
// data-region="en-GB">), so English reads British, never American; the hospital's zone
// too (<html data-zone>, from pwa/clock.py), so the phone counts days where the ward does.
const HOME_ZONE = document.documentElement.dataset.zone || "UTC";
const CLOCK = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
const STYLES = {
  moment: { weekday: "short", day: "numeric", month: "short", ...CLOCK },
  day: { day: "numeric", month: "short" },
  longDay: { weekday: "long", day: "numeric", month: "long" },
  clock: CLOCK,
};

export function region() {
  return document.documentElement.dataset.region || document.documentElement.lang || "en-GB";
}

// The calendar year of a moment in a zone.
export function yearIn(moment, zone) {
  return Number(new Intl.DateTimeFormat("en", { year: "numeric", timeZone: zone }).format(moment));
}

function format(style, moment, zone, now) {
  const options = { ...STYLES[style], timeZone: zone };
  if (style !== "clock" && yearIn(moment, zone) !== yearIn(now, zone)) options.year = "numeric";
  return new Intl.DateTimeFormat(region(), options).format(moment);
}

export function formatMoment(moment, zone = HOME_ZONE, now = new Date()) {
  return format("moment", moment, zone, now);
}

export function formatDay(moment, zone = HOME_ZONE, now = new Date()) {
  return format("day", moment, zone, now);
}

export function formatLongDay(moment, zone = HOME_ZONE, now = new Date()) {
  return format("longDay", moment, zone, now);
}

export function formatClock(moment, zone = HOME_ZONE) {
  return format("clock", moment, zone, moment);
}

// The calendar day of a moment in a zone, as a count of days (for "in N days").
export function dayNumber(moment, zone) {
  const parts = new Intl.DateTimeFormat("en", {
    year: "numeric", month: "numeric", day: "numeric", timeZone: zone,
  }).formatToParts(moment);
  const value = (type) => Number(parts.find((part) => part.type === type).value);
  return Math.round(Date.UTC(value("year"), value("month") - 1, value("day")) / 86400000);
}
