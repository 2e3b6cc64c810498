// Entry point of the web map: pick the city, draw its outline, wire the language switch.
import * as L from "/vendor/leaflet/leaflet-src.esm.js";
import { getJSON } from "./api.js";
import { applyTranslations, pickLang, translator } from "./i18n.js";

const state = { lang: pickLang(localStorage.getItem("tpo.lang")) };
let t = translator(state.lang);

function showMessage(text) {
  const box = document.getElementById("message");
  box.textContent = text;
  box.hidden = !text;
}

function setLang(lang) {
  state.lang = lang;
  localStorage.setItem("tpo.lang", lang);
  t = translator(lang);
  document.documentElement.lang = lang;
  document.getElementById("lang-toggle").textContent = lang === "id" ? "EN" : "ID";
  applyTranslations(document, t);
}

function createMap() {
  const map = L.map("map", { zoomControl: true, preferCanvas: true });
  map.attributionControl.setPrefix("Tree Point O · Leaflet");
  return map;
}

async function showCity(map, layers, city) {
  document.getElementById("city-name").textContent = city.name;
  document.getElementById("demo-badge").hidden = !city.demo;
  const [minx, miny, maxx, maxy] = city.bbox;
  map.fitBounds([[miny, minx], [maxy, maxx]]);
  layers.outline.clearLayers();
  try {
    const outline = await getJSON(`/cities/${encodeURIComponent(city.slug)}/outline`);
    layers.outline.addData(outline);
    document.getElementById("map").dataset.outlineFeatures = String(outline.features.length);
    showMessage("");
  } catch (err) {
    showMessage(`${t("loadFailed")}: ${err.message}`);
  }
}

async function start() {
  setLang(state.lang);
  const map = createMap();
  const layers = {
    outline: L.geoJSON(null, { style: { color: "#e8731a", weight: 3, fillOpacity: 0.05 } }).addTo(map),
  };
  map.setView([-6.178, 106.63], 12);
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
    return;
  }
  const select = document.getElementById("city-select");
  for (const c of cities) select.add(new Option(c.name, c.slug));
  const wanted = new URLSearchParams(location.search).get("city") || config.default_city;
  const initial = cities.find((c) => c.slug === wanted) || cities[0];
  select.value = initial.slug;
  select.addEventListener("change", () => showCity(map, layers, cities.find((c) => c.slug === select.value)));
  document.getElementById("lang-toggle").addEventListener("click", () => setLang(state.lang === "id" ? "en" : "id"));
  await showCity(map, layers, initial);
  document.body.dataset.ready = "true";
}

start();
