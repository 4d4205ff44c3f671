// Shows what the server now holds in one part of the open page, without reloading it.
//
// A reload right after the connection comes back can still fail, and the family would
// then see the offline page in place of their own report or conversation. Fetching the
// page and swapping one part in keeps the page they are on whatever the network does:
// when the fetch fails, the page stays as it is.
//
// The request says it is a background refresh, so it does not keep an idle session alive
// (docs/access.md, sessions). A redirect means the session ended: nothing is swapped.
import { NAMES } from "./names.js";

// Whether someone is using `element` (the focus is in it): a part in use is not swapped.
export function inUse(element) {
  const focused = document.activeElement;
  return Boolean(focused && focused !== document.body && element.contains(focused));
}

// Replaces the element matching `selector` with its copy in a fresh fetch of this page.
// Resolves to whether it did.
export async function refreshPart(selector) {
  const current = document.querySelector(selector);
  if (!current) return false;
  try {
    const response = await fetch(window.location.pathname, {
      headers: { [NAMES.headers.background]: "1" },
      credentials: "same-origin",
    });
    if (response.redirected || !response.ok) return false;
    const parsed = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = parsed.querySelector(selector);
    if (!fresh || !current.isConnected) return false;
    current.replaceWith(document.importNode(fresh, true));
    return true;
  } catch {
    return false; // offline or the server busy: keep showing what we have
  }
}
