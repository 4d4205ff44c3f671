// Red-flag evaluation in the browser: the same rule format and logic as
// pwa/redflags/rules.py, so advice shows instantly and offline. The server evaluates
// again and its level is the one nurses see. tests/redflag_cases.json runs through both.

const LEVELS = ["green", "amber", "red"];
const AMBERS_MAKING_RED = 2;
const HOUR_MS = 60 * 60 * 1000;

function matches(rule, answer) {
  if (answer === undefined || answer === null) return false;
  if (rule.op === "in") return Array.isArray(rule.value) && rule.value.includes(answer);
  if (typeof answer !== "number" || Number.isNaN(answer)) return false;
  switch (rule.op) {
    case ">=": return answer >= rule.value;
    case ">": return answer > rule.value;
    case "<=": return answer <= rule.value;
    case "<": return answer < rule.value;
    case "==": return answer === rule.value;
    default: return false;
  }
}

// earlier: [{observedAt: Date, items: {...}}] of the same child.
export function evaluate(rules, items, observedAt, earlier = []) {
  const fired = [];
  for (const rule of rules) {
    if (!matches(rule, items[rule.item])) continue;
    const count = rule.count || 1;
    if (count > 1) {
      const since = observedAt.getTime() - (rule.within_hours || 24) * HOUR_MS;
      let hits = 1;
      for (const report of earlier) {
        const at = report.observedAt.getTime();
        if (at >= since && at < observedAt.getTime() && matches(rule, report.items[rule.item])) hits += 1;
      }
      if (hits < count) continue;
    }
    fired.push(rule);
  }
  const ambers = fired.filter((rule) => rule.level === "amber").length;
  let level = "green";
  if (fired.some((rule) => rule.level === "red") || ambers >= AMBERS_MAKING_RED) level = "red";
  else if (ambers) level = "amber";
  return {
    level,
    matched: fired.map((rule) => rule.id),
    reasons: fired,
    // A life-threatening sign fired: "Call 112" comes first.
    emergency: fired.some((rule) => rule.emergency === true),
  };
}

// How loud a rule's advice is: an emergency, then red, then amber.
const strength = (rule) => (rule.emergency === true ? 2 : rule.level === "red" ? 1 : 0);

// The reasons to show, strongest first: one per question (the first of equals). A
// temperature of 39 fires "38.5 or higher" and "38.0 or higher"; the family reads only
// the first. The level is still judged on every rule that fired.
export function strongestPerItem(fired) {
  const best = new Map();
  for (const rule of fired) {
    if (!best.has(rule.item) || strength(rule) > strength(best.get(rule.item))) best.set(rule.item, rule);
  }
  return [...best.values()].sort((a, b) => strength(b) - strength(a) || fired.indexOf(a) - fired.indexOf(b));
}

export function higher(first, second) {
  return LEVELS.indexOf(first) >= LEVELS.indexOf(second) ? first : second;
}
