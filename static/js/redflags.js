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
  return { level, matched: fired.map((rule) => rule.id), reasons: fired };
}

export function higher(first, second) {
  return LEVELS.indexOf(first) >= LEVELS.indexOf(second) ? first : second;
}
