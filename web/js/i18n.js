// Bahasa Indonesia first, English as an option; the choice is remembered per browser.

const STRINGS = {
  id: {
    demoBadge: "Data demo",
    city: "Kota",
    map: "Peta",
    layers: "Lapisan",
    legend: "Keterangan",
    noCities: "Belum ada kota di basis data.",
    loadFailed: "Gagal memuat data",
    outline: "Batas kota",
    searchLabel: "Cari kelurahan",
    searchPlaceholder: "Nama kelurahan",
    searchNone: "Kelurahan tidak ditemukan",
    searchFound: "Ditemukan",
    schoolLevels: "Jenjang sekolah",
    angkotRoutes: "Trayek angkot",
    zoomIn: "Perbesar untuk melihat",
    features: "objek",
    every: "tiap",
    minutes: "menit",
    tabLayers: "Peta",
    tabTrip: "Rute angkot",
    tabSchools: "Sekolah",
    tapHint: "Ketuk peta: angkot apa yang lewat sini?",
    from: "Dari",
    to: "Ke",
    placePlaceholder: "Ketuk peta atau cari tempat",
    myLocation: "Lokasi saya",
    planTrip: "Cari rute",
    swap: "Tukar asal dan tujuan",
    homeHint: "Ketuk peta untuk menandai rumah Anda.",
    allLevels: "Semua jenjang",
    allStatus: "Negeri & swasta",
    zoneRadius: "Radius zonasi",
    noGps: "Lokasi tidak tersedia di peramban ini",
    needBothPoints: "Tentukan titik asal dan tujuan dulu",
    planning: "Mencari rute ...",
    noTrip: "Tidak ada rute angkot",
    noRoutesNear: "Tidak ada angkot dalam 400 m dari titik ini.",
    routesNear: "Angkot yang lewat dekat sini:",
    home: "Rumah",
    schoolsInZone: "sekolah di dalam radius",
  },
  en: {
    demoBadge: "Demo data",
    city: "City",
    map: "Map",
    layers: "Layers",
    legend: "Legend",
    noCities: "There is no city in the database yet.",
    loadFailed: "Could not load data",
    outline: "City boundary",
    searchLabel: "Find a kelurahan",
    searchPlaceholder: "Kelurahan name",
    searchNone: "No kelurahan by that name",
    searchFound: "Found",
    schoolLevels: "School levels",
    angkotRoutes: "Angkot routes",
    zoomIn: "Zoom in to see",
    features: "features",
    every: "every",
    minutes: "min",
    tabLayers: "Map",
    tabTrip: "Angkot trip",
    tabSchools: "Schools",
    tapHint: "Tap the map: which angkot passes here?",
    from: "From",
    to: "To",
    placePlaceholder: "Tap the map or search a place",
    myLocation: "My location",
    planTrip: "Plan trip",
    swap: "Swap origin and destination",
    homeHint: "Tap the map to mark your home.",
    allLevels: "All levels",
    allStatus: "Public & private",
    zoneRadius: "Zoning radius",
    noGps: "Location is not available in this browser",
    needBothPoints: "Set an origin and a destination first",
    planning: "Planning ...",
    noTrip: "No angkot trip found",
    noRoutesNear: "No angkot within 400 m of this point.",
    routesNear: "Angkot passing near here:",
    home: "Home",
    schoolsInZone: "schools inside the radius",
  },
};

// Property names shown in popups.
const LABELS = {
  id: {
    name: "Nama", code: "Kode", npsn: "NPSN", level: "Jenjang", status: "Status",
    address: "Alamat", kelurahan_code: "Kode kelurahan", parent_code: "Kode induk",
    road_class: "Kelas jalan", oneway: "Satu arah", length_m: "Panjang", direction: "Arah",
    origin: "Asal", destination: "Tujuan", colour: "Warna", fare_idr: "Tarif",
    headway_s: "Frekuensi", speed_kmh: "Kecepatan", active: "Aktif", permit_type: "Jenis izin",
    issued_on: "Terbit", count: "Jumlah",
  },
  en: {
    name: "Name", code: "Code", npsn: "NPSN", level: "Level", status: "Status",
    address: "Address", kelurahan_code: "Kelurahan code", parent_code: "Parent code",
    road_class: "Road class", oneway: "One-way", length_m: "Length", direction: "Direction",
    origin: "From", destination: "To", colour: "Colour", fare_idr: "Fare",
    headway_s: "Every", speed_kmh: "Speed", active: "Active", permit_type: "Permit type",
    issued_on: "Issued", count: "Count",
  },
};

export const LANGS = Object.keys(STRINGS);

/** The remembered choice, else Bahasa Indonesia (the city's language) whatever the browser says. */
export function pickLang(stored) {
  return LANGS.includes(stored) ? stored : "id";
}

export function translator(lang) {
  const table = STRINGS[lang] || STRINGS.id;
  const t = (key) => table[key] ?? STRINGS.id[key] ?? key;
  t.lang = LANGS.includes(lang) ? lang : "id";
  t.label = (prop) => (LABELS[t.lang] || LABELS.id)[prop] ?? prop;
  return t;
}

export function applyTranslations(root, t) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}
