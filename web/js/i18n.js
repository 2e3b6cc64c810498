// Bahasa Indonesia first, English as an option; the choice is remembered per browser.

const STRINGS = {
  id: {
    demoBadge: "Data demo",
    city: "Kota",
    map: "Peta",
    noCities: "Belum ada kota di basis data.",
    loadFailed: "Gagal memuat data",
    outline: "Batas kota",
  },
  en: {
    demoBadge: "Demo data",
    city: "City",
    map: "Map",
    noCities: "There is no city in the database yet.",
    loadFailed: "Could not load data",
    outline: "City boundary",
  },
};

export const LANGS = Object.keys(STRINGS);

/** The remembered choice, else Bahasa Indonesia (the city's language) whatever the browser says. */
export function pickLang(stored) {
  return LANGS.includes(stored) ? stored : "id";
}

export function translator(lang) {
  const table = STRINGS[lang] || STRINGS.id;
  return (key) => table[key] ?? STRINGS.id[key] ?? key;
}

export function applyTranslations(root, t) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
}
