// Entry point of the web map: city choice, layers and legend, place search, language switch.
// The "Ajukan" flow (forms, drawing, QR codes) is loaded when it is first opened, not at start.
import * as L from "leaflet";
import { getJSON } from "./api.js";
import { el } from "./dom.js";
import { applyTranslations, pickLang, translator } from "./i18n.js";
import { LayerManager, collectionTitle } from "./layers.js";
import { routeLegend } from "./citizen.js";
import { NearbyRoutes } from "./nearby.js";
import { formatHash, parseHash } from "./permalink.js";
import { PlaceFinder } from "./placefind.js";
import { SchoolsPanel } from "./schools.js";
import { Sequencer } from "./sequence.js";
import { BottomSheet, setPointMode } from "./sheet.js";
import { TripPanel } from "./trips.js";
import { LEVEL_COLOURS, featureStyle, layerColour, swatch } from "./styles.js";

const $ = (id) => document.getElementById(id);
const state = { lang: pickLang(localStorage.getItem("tpo.lang")), city: null, entries: [], tab: "layers" };
let t = translator(state.lang);
let panels = null;
let sheet = null;

function showMessage(text) {
  $("message").textContent = text;
  $("message").hidden = !text;
}

function setBusy(busy) {
  $("loading").hidden = !busy;
  document.body.dataset.busy = busy ? "true" : "false";
}

function swatchFor(entry) {
  const id = entry.id;
  if (id === "schools") return swatch(layerColour(id), "dot");
  return swatch(featureStyle(id, {}, entry.collection?.style).color, ["roads", "angkot_routes", "kota"].includes(id) ? "line" : "");
}

function renderLayerList(manager) {
  const list = $("layer-list");
  list.replaceChildren();
  for (const entry of state.entries) {
    const li = document.createElement("li");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = `layer-${entry.id}`;
    box.checked = entry.on;
    box.dataset.layer = entry.id;
    box.addEventListener("change", () => manager.toggle(entry.id, box.checked));
    const count = entry.count === null ? null : [" ", el("span", { class: "hint" }, `(${entry.count})`)];
    const label = el("label", { for: box.id }, swatchFor(entry), ` ${collectionTitle(entry.collection, state.lang)}`, count);
    li.append(box, label);
    list.append(li);
  }
}

function renderLegend(manager) {
  const parts = [
    el("h3", null, t("schoolLevels")),
    el("ul", null, Object.entries(LEVEL_COLOURS).map(([level, colour]) => el("li", null, swatch(colour, "dot"), level))),
  ];
  const routes = routeLegend(manager.features("angkot_routes"));
  if (routes.length) {
    parts.push(
      el("h3", null, t("angkotRoutes")),
      el("ul", { id: "route-legend", class: "route-legend" }, routes.map((r) => el(
        "li", null, swatch(r.colour, "line"), el("strong", null, r.code), ` ${r.name}`,
        r.directions > 1 ? el("span", { class: "hint" }, ` (${t("twoWays")})`) : null,
      ))),
    );
  }
  $("legend").replaceChildren(...parts);
}

/** Open the popup of the kelurahan or kecamatan a search hit names (its layer loaded and on). */
function openArea(manager, hit, at) {
  if (!["kelurahan", "kecamatan"].includes(hit.kind)) return;
  const entry = manager.entries.get(hit.kind);
  if (!entry?.on) return;
  entry.layer.eachLayer((layer) => {
    if (String(layer.feature?.id) === String(hit.id)) layer.openPopup(at);
  });
}

/** The "Ajukan" flow, imported on its first opening (with the drawing tools' stylesheet). */
class LazyAjukan {
  constructor(map, ctx) {
    this.flow = null;
    $("ajukan-open").addEventListener("click", () => this.load().then((flow) => flow.open()), { once: true });
    this.load = () => {
      this.loading ??= (async () => {
        const css = el("link", { rel: "stylesheet", href: "/vendor/geoman/leaflet-geoman.css" });
        document.head.append(css);
        const { AjukanFlow } = await import("./ajukan/flow.js");
        this.flow = new AjukanFlow(map, ctx); // it answers the next clicks on "Ajukan" itself
        return this.flow;
      })();
      return this.loading;
    };
  }

  get active() {
    return Boolean(this.flow?.active);
  }

  tap(latlng) {
    this.flow?.tap(latlng);
  }

  refresh() {
    this.flow?.refresh();
  }

  close() {
    this.flow?.close();
  }

  reset() {
    this.flow?.reset();
  }
}

async function showCity(map, manager, city) {
  state.city = city;
  $("city-name").textContent = city.name;
  $("demo-badge").hidden = !city.demo;
  const [minx, miny, maxx, maxy] = city.bbox;
  const linked = parseHash(location.hash);
  if (linked && linked.lon >= minx && linked.lon <= maxx && linked.lat >= miny && linked.lat <= maxy) {
    map.setView([linked.lat, linked.lon], linked.z);
  } else {
    map.fitBounds([[miny, minx], [maxy, maxx]], sheet?.fitPadding() || {});
  }
  showMessage("");
  document.body.dataset.ready = "false";
  let collections = [];
  try {
    ({ collections } = await getJSON(`/cities/${encodeURIComponent(city.slug)}/collections`));
  } catch (err) {
    showMessage(`${t("loadFailed")}: ${err.message}`);
  }
  state.entries = await manager.load(city, collections);
  renderLayerList(manager);
  renderLegend(manager);
  document.body.dataset.ready = "true";
}

function setLang(lang, manager) {
  state.lang = lang;
  localStorage.setItem("tpo.lang", lang);
  t = translator(lang);
  manager?.setTranslator(t);
  document.documentElement.lang = lang;
  document.title = t("pageTitle");
  $("lang-toggle").textContent = lang === "id" ? "EN" : "ID";
  applyTranslations(document, t);
  if (manager && state.entries.length) {
    renderLayerList(manager);
    renderLegend(manager);
  }
  // results already on screen are drawn again in the new language
  for (const panel of [panels?.trip, panels?.schools, panels?.nearby, panels?.place]) panel?.refresh();
  sheet?.translate(t);
  if (panels) setPointMode(document.body.dataset.setpoint === "true", t);
}

function selectTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll(".tabs [role=tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
  for (const sec of document.querySelectorAll("[data-panel]")) sec.hidden = sec.dataset.panel !== tab;
  if (tab !== "layers") panels.nearby.clear();
  // the trip is drawn (over faded layers) only while its tab is open
  panels.trip.visible(tab === "trip");
  document.body.dataset.tab = tab;
  // on the trip and schools tabs a tap sets a point: it goes to the map, not to a marker
  setPointMode(tab !== "layers", t);
}

function onMapTap(e) {
  if (panels.ajukan.active) panels.ajukan.tap(e.latlng);
  else if (state.tab === "trip") panels.trip.tap(e.latlng);
  else if (state.tab === "schools") panels.schools.setHome(e.latlng);
  else panels.nearby.at(e.latlng);
}

async function start() {
  setLang(state.lang, null);
  // minZoom is the map's own: a layer's minimum zoom (roads) must not cap how far it zooms out
  const map = L.map("map", { zoomControl: true, preferCanvas: true, zoomSnap: 0.25, minZoom: 8, maxZoom: 19 });
  map.attributionControl.setPrefix("Tree Point O · Leaflet");
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  map.setView([-6.178, 106.63], 12);
  const manager = new LayerManager(map, {
    t,
    onBusy: setBusy,
    onError: (msg) => showMessage(`${t("loadFailed")}: ${msg}`),
    onLayerLoaded: () => {
      if (state.entries.length) renderLayerList(manager);
    },
  });
  $("lang-toggle").addEventListener("click", () => setLang(state.lang === "id" ? "en" : "id", manager));
  sheet = new BottomSheet($("panel"), $("sheet-handle"), $("panel-toggle"), t);
  const ctx = {
    citySlug: () => state.city?.slug, lang: () => state.lang, t: () => t, areas: (id) => manager.features(id),
    seq: new Sequencer(), // one rule for every panel: only the newest answer is shown
    focus: (on) => map.getContainer().classList.toggle("map-focus", on), // other layers fade
    fitPadding: () => sheet.fitPadding(),
    shown: () => sheet.shown(), // a result is on screen: the sheet leaves the map visible
  };
  panels = { trip: new TripPanel(map, ctx), schools: new SchoolsPanel(map, ctx), nearby: new NearbyRoutes(map, ctx) };
  panels.ajukan = new LazyAjukan(map, ctx);
  panels.place = new PlaceFinder(map, ctx, {
    input: $("place-search"), list: $("place-search-suggest"), result: $("search-result"),
    openArea: (hit, at) => openArea(manager, hit, at), onShown: () => sheet.collapse(),
  });
  $("lang-toggle").addEventListener("click", () => panels.ajukan.refresh());
  for (const b of document.querySelectorAll(".tabs [role=tab]")) b.addEventListener("click", () => selectTab(b.dataset.tab));
  $("set-point").addEventListener("click", () => setPointMode(document.body.dataset.setpoint !== "true", t));
  map.on("click", (e) => {
    // a tap on a parcel (a tappable tile layer) opens its popup, unless the tap sets a point
    if (!panels.ajukan.active && document.body.dataset.setpoint !== "true") manager.tap(e.latlng);
    onMapTap(e);
  });
  map.on("moveend", () => {
    const c = map.getCenter();
    history.replaceState(null, "", `${location.pathname}${location.search}${formatHash(map.getZoom(), c.lat, c.lng)}`);
  });
  window.addEventListener("hashchange", () => {
    const linked = parseHash(location.hash);
    if (linked) map.setView([linked.lat, linked.lon], linked.z);
  });
  let config;
  let cities;
  try {
    [config, { cities }] = await Promise.all([getJSON("/config"), getJSON("/cities")]);
  } catch (err) {
    showMessage(`${t("loadFailed")}: ${err.message}`);
    return;
  }
  if (config.basemap_url) L.tileLayer(config.basemap_url, { maxZoom: 19 }).addTo(map);
  if (!cities.length) {
    showMessage(t("noCities"));
    document.body.dataset.ready = "true";
    return;
  }
  const select = $("city-select");
  for (const c of cities) select.add(new Option(c.name, c.slug));
  const wanted = new URLSearchParams(location.search).get("city") || config.default_city;
  const initial = cities.find((c) => c.slug === wanted) || cities[0];
  select.value = initial.slug;
  select.addEventListener("change", () => {
    panels.trip.reset();
    panels.schools.clear();
    panels.nearby.clear();
    panels.ajukan.close();
    panels.ajukan.reset();
    panels.place.clear();
    showCity(map, manager, cities.find((c) => c.slug === select.value));
  });
  await showCity(map, manager, initial);
}

start();
