// The workspace map: kelurahan coloured by their requests (the server's class breaks), a legend,
// tooltips, the selected kelurahan, and the requests of the table as points.
import * as L from "leaflet";
import { el } from "../dom.js";
import { MvtLayer } from "../mvt.js";
import { featureStyle } from "../styles.js";
import { colourFor, formatMeasure, legendRows, measureOf } from "./classes.js";

const PANES = { roads: 420, areas: 430, points: 620 };

export class ChoroplethMap {
  constructor(element, { t, onSelect, onPoint }) {
    this.t = t;
    this.onSelect = onSelect;
    this.onPoint = onPoint;
    this.selected = null;
    this.fitted = false;
    this.data = null;
    this.measure = "count";
    this.map = L.map(element, { zoomControl: true, zoomSnap: 0.25 });
    this.map.attributionControl.setPrefix("Tree Point O · Leaflet");
    this.map.setView([-6.178, 106.63], 12);
    for (const [name, z] of Object.entries(PANES)) this.map.createPane(name).style.zIndex = String(z);
    this.areas = L.geoJSON(null, {
      pane: "areas",
      style: (f) => this._style(f),
      onEachFeature: (f, layer) => this._wire(f, layer),
    }).addTo(this.map);
    this.points = L.layerGroup().addTo(this.map);
    this.pointRenderer = L.svg({ pane: "points" });
    this.legend = L.control({ position: "topright" });
    this.legend.onAdd = () => el("div", { class: "choropleth-legend", id: "legend" });
    this.legend.addTo(this.map);
    // the pane changes size with the window, the filters wrapping, a phone turning
    if (typeof ResizeObserver === "function") new ResizeObserver(() => this.map.invalidateSize()).observe(element);
  }

  /** The base map as the citizen map has it: an external tile URL when configured, and the
   * city's own roads (vector tiles, from zoom `roadsFrom`) so the map reads offline. */
  setBase(city, basemapUrl, roadsFrom) {
    this.base?.remove();
    this.roads?.remove();
    if (basemapUrl) this.base = L.tileLayer(basemapUrl, { maxZoom: 19 }).addTo(this.map);
    const url = `/cities/${encodeURIComponent(city.slug)}/collections/roads/tiles/WebMercatorQuad/{z}/{x}/{y}`;
    // no minZoom option: a grid layer's minZoom becomes the whole map's; shown from `roadsFrom`
    this.roads = new MvtLayer(url, {
      layerName: "roads", pane: "roads", maxNativeZoom: 18, style: (p) => featureStyle("roads", p),
    });
    const showRoads = () => {
      if (this.map.getZoom() >= roadsFrom) this.roads.addTo(this.map);
      else this.roads.remove();
    };
    this.map.off("zoomend", this._showRoads);
    this._showRoads = showRoads;
    this.map.on("zoomend", showRoads);
    showRoads();
    if (city.bbox && !this.fitted) {
      const [minx, miny, maxx, maxy] = city.bbox;
      this.map.fitBounds([[miny, minx], [maxy, maxx]]);
    }
  }

  setTranslator(t) {
    this.t = t;
    this._renderLegend();
  }

  /** Draw the by-kelurahan answer (a FeatureCollection with `classes`). */
  setData(fc, measure) {
    this.data = fc;
    this.measure = measure;
    this.areas.clearLayers();
    this.areas.addData(fc);
    if (!this.fitted && (fc.features || []).length) {
      this.map.invalidateSize();
      this.map.fitBounds(this.areas.getBounds(), { padding: [8, 8] });
      this.fitted = true;
    }
    this._renderLegend();
  }

  /** Mark one kelurahan (by code) as selected; null: none. */
  select(code) {
    this.selected = code;
    this.areas.setStyle((f) => this._style(f));
    if (code) {
      this.areas.eachLayer((layer) => {
        if (layer.feature?.properties?.code === code) layer.bringToFront();
      });
    }
  }

  /** The requests of the table as points (rows with lon/lat); clicking one opens it. */
  showPoints(rows) {
    this.points.clearLayers();
    for (const row of rows) {
      if (!Number.isFinite(row.lon) || !Number.isFinite(row.lat)) continue;
      const marker = L.circleMarker([row.lat, row.lon], {
        pane: "points", renderer: this.pointRenderer, radius: 7, weight: 2, color: "#fff",
        fillColor: row.overdue ? "#c0392b" : "#1f4e79", fillOpacity: 0.95, className: "request-point",
      });
      marker.bindTooltip(() => el("span", null, `${row.code} · ${row.title}`), { direction: "top" });
      marker.on("click", () => this.onPoint(row.id));
      marker.on("add", () => marker.getElement()?.setAttribute("data-request-id", String(row.id)));
      this.points.addLayer(marker);
    }
  }

  /** Show one request's place (point or area) in view. */
  focus(geometry) {
    if (!geometry) return;
    const shape = L.geoJSON(geometry);
    const bounds = shape.getBounds();
    if (bounds.isValid()) this.map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] });
  }

  boundsOf(code) {
    let bounds = null;
    this.areas.eachLayer((layer) => {
      if (layer.feature?.properties?.code === code) bounds = layer.getBounds();
    });
    return bounds;
  }

  invalidate() {
    this.map.invalidateSize();
  }

  _breaks() {
    return this.data?.classes?.breaks || [];
  }

  _style(feature) {
    const p = feature.properties || {};
    const selected = p.code === this.selected;
    return {
      color: selected ? "#1d2733" : "#8a7a6d",
      weight: selected ? 3 : 1,
      fillColor: colourFor(measureOf(p, this.measure), this._breaks()),
      fillOpacity: 0.75,
    };
  }

  _wire(feature, layer) {
    const p = feature.properties || {};
    layer.bindTooltip(() => this._tooltip(p), { sticky: true });
    layer.on("click", () => this.onSelect(p.code, p));
    // tests and assistive tools find a kelurahan by its code
    layer.on("add", () => {
      const path = layer.getElement();
      if (!path) return;
      path.setAttribute("data-kelurahan", String(p.code ?? ""));
      path.setAttribute("data-count", String(p.count ?? 0));
    });
  }

  _tooltip(p) {
    const t = this.t;
    const lines = [el("strong", null, String(p.name ?? p.code ?? "")), el("br"), t.format("tooltipCount", { n: Number(p.count) || 0 })];
    if (this.measure === "per_km2") lines.push(el("br"), t.format("tooltipDensity", { d: formatMeasure(Number(p.per_km2) || 0, "per_km2", t.lang) }));
    if (p.kecamatan) lines.push(el("br"), el("span", { class: "hint" }, String(p.kecamatan)));
    return el("div", { class: "choropleth-tip" }, lines);
  }

  _renderLegend() {
    const box = document.getElementById("legend");
    if (!box) return;
    const t = this.t;
    const rows = legendRows(this._breaks(), this.measure, t.lang, t("legendNone"));
    box.replaceChildren(
      el("h3", null, t(this.measure === "per_km2" ? "legendPerKm2" : "legendTitle")),
      el("ul", null, rows.map((r) => el("li", { dataset: { from: r.from, to: r.to } }, el("span", { class: "swatch", style: { background: r.colour } }), r.label))),
    );
  }
}
