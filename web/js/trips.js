// Trip planner panel: origin/destination by tap, search or GPS; itineraries listed and drawn.
import * as L from "leaflet";
import { getJSON } from "./api.js";
import { itinerarySummary, legInstruction, legStyle, lonLatParam } from "./citizen.js";
import { el } from "./dom.js";
import { attachPlaceSearch } from "./places.js";

const $ = (id) => document.getElementById(id);

export class TripPanel {
  constructor(map, { citySlug, lang, t }) {
    this.map = map;
    this.citySlug = citySlug;
    this.lang = lang;
    this.t = t;
    this.points = { from: null, to: null };
    this.markers = { from: null, to: null };
    this.drawn = L.layerGroup().addTo(map);
    this.itineraries = [];
    for (const end of ["from", "to"]) {
      attachPlaceSearch($(`trip-${end}`), $(`trip-${end}-suggest`), {
        citySlug, lang, onPick: (hit) => this.setPoint(end, L.latLng(hit.lat, hit.lon), hit.name),
      });
    }
    $("trip-go").addEventListener("click", () => this.plan());
    $("trip-swap").addEventListener("click", () => this.swap());
    $("trip-from-gps").addEventListener("click", () => this.locate());
  }

  /** A tap on the map: fills the origin first, then the destination, then plans. */
  tap(latlng) {
    const end = !this.points.from ? "from" : !this.points.to ? "to" : "to";
    this.setPoint(end, latlng, `${latlng.lat.toFixed(5)}, ${latlng.lng.toFixed(5)}`);
    if (this.points.from && this.points.to) this.plan();
  }

  setPoint(end, latlng, label) {
    this.points[end] = latlng;
    $(`trip-${end}`).value = label;
    this.markers[end]?.remove();
    this.markers[end] = L.marker(latlng, {
      title: end === "from" ? this.t()("from") : this.t()("to"),
      icon: L.divIcon({
        className: "", html: el("div", { class: `pin pin-${end}` }, el("span", null, end === "from" ? "A" : "B")),
        iconSize: [26, 26], iconAnchor: [13, 26],
      }),
    }).addTo(this.map);
  }

  swap() {
    const { from, to } = this.points;
    const [a, b] = [$("trip-from").value, $("trip-to").value];
    if (to) this.setPoint("from", to, b);
    if (from) this.setPoint("to", from, a);
    if (from && to) this.plan();
  }

  locate() {
    if (!navigator.geolocation) return this.status(this.t()("noGps"));
    navigator.geolocation.getCurrentPosition(
      (pos) => this.setPoint("from", L.latLng(pos.coords.latitude, pos.coords.longitude), this.t()("myLocation")),
      () => this.status(this.t()("noGps")),
      { enableHighAccuracy: true, timeout: 10000 },
    );
  }

  status(text) {
    $("trip-status").textContent = text || "";
  }

  clear() {
    this.drawn.clearLayers();
    $("trip-results").replaceChildren();
    $("trip-steps").replaceChildren();
    this.itineraries = [];
  }

  reset() {
    this.clear();
    for (const end of ["from", "to"]) {
      this.markers[end]?.remove();
      this.markers[end] = null;
      this.points[end] = null;
      $(`trip-${end}`).value = "";
    }
    this.status("");
  }

  async plan() {
    const { from, to } = this.points;
    if (!from || !to) return this.status(this.t()("needBothPoints"));
    this.clear();
    this.status(this.t()("planning"));
    document.body.dataset.trip = "loading";
    try {
      const body = await getJSON(`/cities/${encodeURIComponent(this.citySlug())}/trips?from=${lonLatParam(from)}&to=${lonLatParam(to)}`);
      this.itineraries = body.itineraries || [];
      const reason = this.lang() === "en" ? body.reason_en || body.reason : body.reason;
      if (!this.itineraries.length) {
        this.status(reason || this.t()("noTrip"));
      } else {
        // a note beside the trips, e.g. "walking all the way is faster"
        this.status(reason || "");
        this.renderList();
        this.select(0);
      }
    } catch (err) {
      this.status(err.message);
    } finally {
      document.body.dataset.trip = "done";
    }
  }

  renderList() {
    const list = $("trip-results");
    list.replaceChildren(...this.itineraries.map((it, i) => {
      const li = el("li", null, itinerarySummary(it, this.lang()));
      li.addEventListener("click", () => this.select(i));
      return li;
    }));
  }

  select(index) {
    const it = this.itineraries[index];
    if (!it) return;
    [...$("trip-results").children].forEach((li, i) => li.classList.toggle("selected", i === index));
    this.drawn.clearLayers();
    const bounds = L.latLngBounds([]);
    for (const leg of it.legs) {
      if (!leg.geometry) continue;
      const layer = L.geoJSON(leg.geometry, { style: legStyle(leg) }).addTo(this.drawn);
      bounds.extend(layer.getBounds());
    }
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [30, 30] });
    $("trip-steps").replaceChildren(...it.legs.map((leg) => el("li", null, legInstruction(leg, this.lang()) || "")));
  }
}
