// "Angkot lewat sini?": a tap lists the routes passing nearby and highlights them on the map.
import * as L from "leaflet";
import { getJSON } from "./api.js";
import { routeChip } from "./citizen.js";
import { el } from "./dom.js";
import { featureAt } from "./search.js";
import { formatMetres, validColour } from "./styles.js";

export class NearbyRoutes {
  constructor(map, { citySlug, lang, t, areas }) {
    this.map = map;
    this.areas = areas;
    this.citySlug = citySlug;
    this.lang = lang;
    this.t = t;
    this.group = L.layerGroup().addTo(map);
  }

  clear() {
    this.group.clearLayers();
    document.getElementById("near-results").replaceChildren();
  }

  /** "Kel. X, Kec. Y" under the tap (a <p>, or null), from the loaded boundary layers. */
  where(latlng) {
    const kel = featureAt(this.areas("kelurahan"), latlng.lng, latlng.lat);
    if (!kel) return null;
    const parent = this.areas("kecamatan").find((f) => f.properties?.code === kel.properties.parent_code);
    const kec = parent ? `, Kec. ${parent.properties.name}` : "";
    return el("p", { id: "near-place" }, el("strong", null, `Kel. ${kel.properties.name}`), kec);
  }

  async at(latlng, radius_m = 400) {
    this.clear();
    const box = document.getElementById("near-results");
    const where = this.where(latlng);
    L.circle(latlng, { radius: radius_m, color: "#e8731a", weight: 1, fillOpacity: 0.06, interactive: false }).addTo(this.group);
    const url = `/cities/${encodeURIComponent(this.citySlug())}/routes/near?lon=${latlng.lng.toFixed(6)}&lat=${latlng.lat.toFixed(6)}&radius_m=${radius_m}`;
    let fc;
    try {
      fc = await getJSON(url);
    } catch (err) {
      box.replaceChildren(...[where, el("p", { class: "hint" }, err.message)].filter(Boolean));
      return;
    }
    const features = fc.features || [];
    if (!features.length) {
      box.replaceChildren(...[where, el("p", { class: "hint" }, this.t()("noRoutesNear"))].filter(Boolean));
      return;
    }
    const items = [];
    for (const f of features) {
      const p = f.properties || {};
      const colour = validColour(p.colour) || "#1f78b4";
      if (f.geometry) {
        L.geoJSON(f.geometry, { style: { color: colour, weight: 7, opacity: 0.9 } }).addTo(this.group);
      }
      const near = p.nearest_point || p.nearest;
      if (near?.coordinates) {
        const [lon, lat] = near.coordinates;
        L.circleMarker([lat, lon], { radius: 5, color: colour, fillOpacity: 1 }).addTo(this.group);
      }
      const towards = p.destination ? ` → ${p.destination}` : "";
      items.push(el(
        "li", null,
        routeChip({ code: p.code, colour }), ` ${p.name || ""}${towards}`,
        el("div", { class: "hint" }, formatMetres(p.distance_m, this.lang())),
      ));
    }
    box.replaceChildren(...[
      where, el("p", { class: "hint" }, this.t()("routesNear")), el("ol", { class: "results", id: "near-list" }, items),
    ].filter(Boolean));
  }
}
