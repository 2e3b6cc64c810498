// Nearby schools panel: a home point, schools by distance with walking figures, a zoning circle.
import * as L from "leaflet";
import { getJSON } from "./api.js";
import { distanceText } from "./citizen.js";
import { el } from "./dom.js";
import { schoolColour } from "./styles.js";

const $ = (id) => document.getElementById(id);

export class SchoolsPanel {
  constructor(map, { citySlug, lang, t }) {
    this.map = map;
    this.citySlug = citySlug;
    this.lang = lang;
    this.t = t;
    this.home = null;
    this.group = L.layerGroup().addTo(map);
    for (const id of ["school-level", "school-status", "school-radius"]) {
      $(id).addEventListener("change", () => this.home && this.search());
    }
  }

  clear() {
    this.group.clearLayers();
    $("school-results").replaceChildren();
    $("school-status-text").textContent = "";
  }

  setHome(latlng) {
    this.home = latlng;
    return this.search();
  }

  async search() {
    this.clear();
    const radius = Math.min(20000, Math.max(100, Number($("school-radius").value) || 1000));
    const params = new URLSearchParams({ lon: this.home.lng.toFixed(6), lat: this.home.lat.toFixed(6), limit: "10" });
    if ($("school-level").value) params.set("level", $("school-level").value);
    if ($("school-status").value) params.set("status", $("school-status").value);
    L.marker(this.home, { title: this.t()("home") }).addTo(this.group);
    L.circle(this.home, { radius, color: "#7b2cbf", weight: 2, dashArray: "6 6", fillOpacity: 0.05, interactive: false }).addTo(this.group);
    document.body.dataset.schools = "loading";
    const base = `/cities/${encodeURIComponent(this.citySlug())}/schools`;
    const zone = new URLSearchParams(params);
    zone.delete("limit");
    zone.set("radius_m", String(radius));
    let fc;
    let inZone;
    try {
      [fc, inZone] = await Promise.all([getJSON(`${base}/nearest?${params}`), getJSON(`${base}/within?${zone}`)]);
    } catch (err) {
      $("school-status-text").textContent = err.message;
      document.body.dataset.schools = "done";
      return;
    }
    const features = fc.features || [];
    const inside = (inZone.features || []).length;
    $("school-status-text").textContent = `${inside} ${this.t()("schoolsInZone")} (${radius} m)`;
    $("school-results").replaceChildren(...features.map((f) => {
      const p = f.properties || {};
      const [lon, lat] = f.geometry.coordinates;
      const marker = L.circleMarker([lat, lon], { radius: 8, color: "#fff", weight: 2, fillColor: schoolColour(p.level), fillOpacity: 1 })
        .bindTooltip(el("span", null, p.name || "")) // a string would be read as HTML
        .addTo(this.group);
      const li = el(
        "li", null,
        el("strong", null, p.name || ""), " ",
        el("span", { class: "tag" }, p.level || ""), el("span", { class: "tag" }, p.status || ""),
        el("div", { class: "hint" }, distanceText(p, this.lang())),
      );
      li.addEventListener("click", () => {
        this.map.setView([lat, lon], Math.max(this.map.getZoom(), 16));
        marker.openTooltip();
      });
      return li;
    }));
    this.map.fitBounds(L.latLngBounds([this.home, ...features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]])]).pad(0.15));
    document.body.dataset.schools = "done";
  }
}
