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
  const save = () => localStorage.setItem(key, JSON.stringify([...ticked]));
  const boxes = list.querySelectorAll("input[type=checkbox][data-item]");
  // A box ticked before this module ran (a quick finger on a slow phone) keeps its tick.
  const early = [...boxes].filter((box) => box.checked && !ticked.has(box.dataset.item));
  for (const box of early) ticked.add(box.dataset.item);
  if (early.length) save();
  for (const box of boxes) {
    box.checked = ticked.has(box.dataset.item);
    box.addEventListener("change", () => {
      if (box.checked) ticked.add(box.dataset.item);
      else ticked.delete(box.dataset.item);
      save();
    });
  }
}

for (const list of document.querySelectorAll("[data-packing-list]")) wireList(list);
