// Names this page's scripts share with the server and the service worker: cache and
// database names, message types, headers and URLs. The server writes them once
// (pwa/shared_names.py) into the page's JSON block; nothing here types them again.

const block = document.getElementById("shared-names");

function read() {
  try {
    return JSON.parse(block.textContent);
  } catch {
    return null;
  }
}

export const NAMES = Object.freeze(read() || { messages: {}, headers: {}, urls: {} });
