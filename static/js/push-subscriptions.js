// Telling the server about this phone's push subscription: shared by the reminders code
// (push.js) and sign-out (sign-out.js). docs/api.md, "Push".

import { NAMES } from "./names.js";

const SUBSCRIPTIONS_URL = NAMES.urls.pushSubscriptions;

export function sendJson(method, url, body) {
  return fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

export async function save(subscription, label) {
  const response = await sendJson("POST", SUBSCRIPTIONS_URL, { ...subscription.toJSON(), label });
  if (!response.ok) throw new Error(`subscribe: ${response.status}`);
}

export async function forget(subscription) {
  const response = await sendJson("DELETE", SUBSCRIPTIONS_URL, { endpoint: subscription.endpoint });
  // 404: the server had forgotten it already, which is what we want.
  if (!response.ok && response.status !== 404) throw new Error(`unsubscribe: ${response.status}`);
}
