// "Angkot lewat sini?": a tap lists the routes passing nearby and highlights them on the map
// (with a casing, over the faded other layers).
import * as L from "leaflet";
import { getJSON } from "./api.js";
import { routeChip } from "./citizen.js";
import { el } from "./dom.js";
import { featureAt } from "./search.js";
import { formatMetres, validColour } from "./styles.js";

export class NearbyRoutes {
  /** ctx: {citySlug(), lang(), t(), areas(id), seq, focus(on)} as main.js gives its panels. */
  constructor(map, ctx) {
    this.map = map;
    this.ctx = ctx;
    this.areas = ctx.areas;
    this.seq = ctx.seq;
    this.group = L.layerGroup().addTo(map);
    this.answer = null; // {latlng, radius_m, features} or {latlng, error}: kept for a language switch
    if (!map.getPane("trip")) map.createPane("trip").style.zIndex = "640";
    this.renderer = L.svg({ pane: "trip" }); // SVG: the trip's lines stay elements (classes, tests)
  }

  t() {
    return this.ctx.t();
  }

  clear() {
    this.seq.cancel("nearby");
    this.group.clearLayers();
    this.answer = null;
    this.ctx.focus?.(false);
    document.getElementById("near-results").replaceChildren();
  }

  /** "Kel. X, Kec. Y" under the tap (a <p>, or null), from the loaded boundary layers. */
  where(latlng) {
    const t = this.t();
    const kel = featureAt(this.areas("kelurahan"), latlng.lng, latlng.lat);
    if (!kel) return null;
    const parent = this.areas("kecamatan").find((f) => f.properties?.code === kel.properties.parent_code);
    const kec = parent ? `, ${t("kecPrefix")} ${parent.properties.name}` : "";
    return el("p", { id: "near-place" }, el("strong", null, `${t("kelPrefix")} ${kel.properties.name}`), kec);
  }

  async at(latlng, radius_m = 400) {
    this.clear();
    const url = `/cities/${encodeURIComponent(this.ctx.citySlug())}/routes/near?lon=${latlng.lng.toFixed(6)}&lat=${latlng.lat.toFixed(6)}&radius_m=${radius_m}`;
    let r;
    try {
      r = await this.seq.run("nearby", (signal) => getJSON(url, { signal }));
    } catch (err) {
      this.answer = { latlng, radius_m, error: err.message };
      return this.render();
    }
    if (!r.current) return;
    this.answer = { latlng, radius_m, features: r.value.features || [] };
    this.render();
  }

  render() {
    if (!this.answer) return;
    const { latlng, radius_m, features, error } = this.answer;
    const t = this.t();
    const box = document.getElementById("near-results");
    const where = this.where(latlng);
    this.group.clearLayers();
    L.circle(latlng, { radius: radius_m, color: "#e8731a", weight: 1, fillOpacity: 0.06, interactive: false }).addTo(this.group);
    if (error || !features.length) {
      box.replaceChildren(...[where, el("p", { class: "hint" }, error || t("noRoutesNear"))].filter(Boolean));
      return;
    }
    const items = [];
    for (const f of features) {
      const p = f.properties || {};
      const colour = validColour(p.colour) || "#1f78b4";
      if (f.geometry) {
        L.geoJSON(f.geometry, { pane: "trip", renderer: this.renderer, interactive: false, style: { color: "#1d2733", weight: 10, opacity: 0.9, className: "trip-casing" } }).addTo(this.group);
        L.geoJSON(f.geometry, { pane: "trip", renderer: this.renderer, interactive: false, style: { color: colour, weight: 5, opacity: 1, className: "near-route" } }).addTo(this.group);
      }
      const near = p.nearest_point || p.nearest;
      if (near?.coordinates) {
        const [lon, lat] = near.coordinates;
        L.circleMarker([lat, lon], { pane: "trip", renderer: this.renderer, radius: 6, weight: 3, color: "#1d2733", fillColor: "#fff", fillOpacity: 1 }).addTo(this.group);
      }
      const towards = p.destination ? ` → ${p.destination}` : "";
      items.push(el(
        "li", null,
        routeChip({ code: p.code, colour }), ` ${p.name || ""}${towards}`,
        el("div", { class: "hint" }, formatMetres(p.distance_m, t.lang)),
      ));
    }
    this.ctx.focus?.(true);
    this.ctx.shown?.();
    box.replaceChildren(...[
      where, el("p", { class: "hint" }, t("routesNear")), el("ol", { class: "results", id: "near-list" }, items),
    ].filter(Boolean));
  }

  refresh() {
    this.render();
  }
}
