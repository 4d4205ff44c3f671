// "What to bring" ticks, remembered on this phone per visit (wiped at sign-out with the
// rest of the site's storage). Without JavaScript the list still shows; ticks just reset.
const STORAGE_PREFIX = "pwa:packing:";

function storageKey(list) {
  return `${STORAGE_PREFIX}${list.dataset.packingList}`;
}

function readTicks(key) {
  try {
    return new Set(JSON.parse(localStorage.getItem(key) || "[]"));
  } catch {
    return new Set();
  }
}

function wireList(list) {
  const key = storageKey(list);
  const ticked = readTicks(key);
  for (const box of list.querySelectorAll("input[type=checkbox][data-item]")) {
    box.checked = ticked.has(box.dataset.item);
    box.addEventListener("change", () => {
      if (box.checked) ticked.add(box.dataset.item);
      else ticked.delete(box.dataset.item);
      localStorage.setItem(key, JSON.stringify([...ticked]));
    });
  }
}

for (const list of document.querySelectorAll("[data-packing-list]")) wireList(list);
