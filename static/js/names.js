// Names this page's scripts share with the server and the service worker: cache and
// database names, message types, headers and URLs. The server writes them once
// (pwa/shared_names.py) into every page's JSON block (base.html); nothing here types
// them again. A page without the block stops its scripts here rather than guess.

export const NAMES = Object.freeze(JSON.parse(document.getElementById("shared-names").textContent));
