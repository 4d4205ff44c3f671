// Whether the hospital's ward reads reports at a moment: the staffed days and hours in
// the hospital's own time zone, whatever zone this phone is in. The same rule as
// staffed_at in pwa/hospital.py; tests/staffed_cases.json runs through both.

const WEEKDAYS = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

// hours: {days: [1..7] (1 = Monday), from: "08:00", until: "17:00", zone: the hospital's zone name}
export function staffedAt(hours, moment) {
  if (!hours || !Array.isArray(hours.days)) return false;
  const parts = {};
  const format = new Intl.DateTimeFormat("en-GB", {
    timeZone: hours.zone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (const part of format.formatToParts(moment)) parts[part.type] = part.value;
  const clock = `${parts.hour}:${parts.minute}`;
  return hours.days.includes(WEEKDAYS[parts.weekday]) && hours.from <= clock && clock < hours.until;
}

// Show the parts marked for this moment (data-call-when="staffed" or "closed") under root.
export function showNumbersFor(root, hours, moment = new Date()) {
  const when = staffedAt(hours, moment) ? "staffed" : "closed";
  for (const part of root.querySelectorAll("[data-call-when]")) part.hidden = part.dataset.callWhen !== when;
  return when;
}

// The hours from an element's data-staffed-days ("1,2,3,4,5"), -from, -until and -zone.
export function hoursFrom(element) {
  const { staffedDays, staffedFrom, staffedUntil, staffedZone } = element.dataset;
  return {
    days: (staffedDays || "").split(",").filter(Boolean).map(Number),
    from: staffedFrom,
    until: staffedUntil,
    zone: staffedZone,
  };
}
