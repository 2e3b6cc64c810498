// Nearby schools panel: a home point, schools by distance with walking figures, a zoning circle.
import * as L from "leaflet";
import { getJSON } from "./api.js";
import { distanceText } from "./citizen.js";
import { el } from "./dom.js";
import { schoolColour } from "./styles.js";

const $ = (id) => document.getElementById(id);
const STATUS_KEYS = { negeri: "statusNegeri", swasta: "statusSwasta" };

export class SchoolsPanel {
  /** ctx: {citySlug(), lang(), t(), seq, focus(on)} as main.js gives its panels. */
  constructor(map, ctx) {
    this.map = map;
    this.ctx = ctx;
    this.citySlug = ctx.citySlug;
    this.seq = ctx.seq;
    this.home = null;
    this.answer = null; // {features, inside, radius}: kept to redraw in another language
    this.group = L.layerGroup().addTo(map);
    for (const id of ["school-level", "school-status", "school-radius"]) {
      $(id).addEventListener("change", () => this.home && this.search());
    }
  }

  t() {
    return this.ctx.t();
  }

  clear() {
    this.seq.cancel("schools");
    this.group.clearLayers();
    this.answer = null;
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
    document.body.dataset.schools = "loading";
    const base = `/cities/${encodeURIComponent(this.citySlug())}/schools`;
    const zone = new URLSearchParams(params);
    zone.delete("limit");
    zone.set("radius_m", String(radius));
    let r;
    try {
      r = await this.seq.run("schools", (signal) =>
        Promise.all([getJSON(`${base}/nearest?${params}`, { signal }), getJSON(`${base}/within?${zone}`, { signal })]));
    } catch (err) {
      $("school-status-text").textContent = err.message;
      document.body.dataset.schools = "done";
      return;
    }
    if (!r.current) return; // a newer filter or home point is being answered
    const [fc, inZone] = r.value;
    this.answer = { features: fc.features || [], inside: (inZone.features || []).length, radius };
    this.render(true);
    document.body.dataset.schools = "done";
  }

  /** Draw the kept answer (again after a language switch; fit the map only the first time). */
  render(fit = false) {
    if (!this.answer) return;
    const { features, inside, radius } = this.answer;
    const t = this.t();
    this.group.clearLayers();
    L.marker(this.home, { title: t("home") }).addTo(this.group);
    L.circle(this.home, { radius, color: "#7b2cbf", weight: 2, dashArray: "6 6", fillOpacity: 0.05, interactive: false }).addTo(this.group);
    $("school-status-text").textContent = `${inside} ${t("schoolsInZone")} (${radius} m)`;
    $("school-results").replaceChildren(...features.map((f) => {
      const p = f.properties || {};
      const [lon, lat] = f.geometry.coordinates;
      const marker = L.circleMarker([lat, lon], { radius: 8, color: "#fff", weight: 2, fillColor: schoolColour(p.level), fillOpacity: 1 })
        .bindTooltip(el("span", null, p.name || "")) // a string would be read as HTML
        .addTo(this.group);
      const status = STATUS_KEYS[String(p.status || "").toLowerCase()];
      const li = el(
        "li", { tabindex: "0" },
        el("strong", null, p.name || ""), " ",
        el("span", { class: "tag" }, p.level || ""), el("span", { class: "tag" }, status ? t(status) : p.status || ""),
        el("div", { class: "hint" }, distanceText(p, t)),
      );
      const show = () => {
        this.map.setView([lat, lon], Math.max(this.map.getZoom(), 16));
        marker.openTooltip();
      };
      li.addEventListener("click", show);
      li.addEventListener("keydown", (e) => e.key === "Enter" && show());
      return li;
    }));
    this.ctx.shown?.();
    if (fit) {
      const points = [this.home, ...features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]])];
      this.map.fitBounds(L.latLngBounds(points).pad(0.15), this.ctx.fitPadding?.() || {});
    }
  }

  refresh() {
    this.render(false);
  }
}
