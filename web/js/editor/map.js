// The editor's map: the city's roads, the other routes faint, the chosen route in its colour with
// arrowheads of its direction, its waypoints edited with Leaflet-Geoman (from npm), the diff of
// two versions (old dashed, new solid), and the unmet-demand desire lines.
import * as Leaflet from "leaflet";
import { el } from "../dom.js";
import { MvtLayer } from "../mvt.js";
import { featureStyle } from "../styles.js";
import { arrowsAlong } from "./geometry.js";

const L = Leaflet;
const ARROW_STEP_PX = 90;
const PANES = { roads: 420, others: 430, demand: 440, route: 450, diff: 460, arrows: 470, control: 480 };

let geoman = null;

/** Load Leaflet-Geoman once. Its bundle is a classic script that extends a global `L`; the
 * import map's Leaflet is an ES module, so it gets a plain object holding the same classes. */
export async function loadGeoman() {
  if (!geoman) {
    if (!globalThis.L) globalThis.L = { ...Leaflet };
    geoman = import("/vendor/geoman/leaflet-geoman.js").then(() => {
      globalThis.L.PM.setOptIn(true); // only the layers we mark get Geoman's handles
      return globalThis.L.PM;
    });
  }
  return geoman;
}

/** A count of the demand answers as text: "<5" when the server held it back (null). */
export const shownCount = (value) => (value === null || value === undefined ? "<5" : String(Number(value)));

const toLatLngs = (coords) => coords.map(([lon, lat]) => [lat, lon]);
const toCoords = (latlngs) => latlngs.map((p) => [Number(p.lng.toFixed(7)), Number(p.lat.toFixed(7))]);

export class EditorMap {
  constructor(element, { onWaypoints, onMapClick }) {
    this.onWaypoints = onWaypoints;
    this.onMapClick = onMapClick;
    this.map = L.map(element, { zoomControl: true, zoomSnap: 0.25, pmIgnore: false });
    this.map.attributionControl.setPrefix("Tree Point O · Leaflet · Geoman");
    this.map.setView([-6.178, 106.63], 12);
    for (const [name, z] of Object.entries(PANES)) this.map.createPane(name).style.zIndex = String(z);
    this.map.getPane("arrows").style.pointerEvents = "none";
    this.demand = L.layerGroup().addTo(this.map);
    this.diff = L.layerGroup().addTo(this.map);
    this.route = null;
    this.arrows = L.layerGroup().addTo(this.map);
    this.control = null;
    this.colour = "#e8731a";
    this.coords = [];
    this.map.on("zoomend", () => this._drawArrows());
    this.map.on("click", (e) => this.onMapClick?.([Number(e.latlng.lng.toFixed(7)), Number(e.latlng.lat.toFixed(7))]));
    if (typeof ResizeObserver === "function") new ResizeObserver(() => this.map.invalidateSize()).observe(element);
  }

  /** The base map: an external tile URL when configured, and the city's own roads (vector
   * tiles, from zoom `roadsFrom`). */
  setBase(city, basemapUrl, roadsFrom) {
    if (basemapUrl) L.tileLayer(basemapUrl, { maxZoom: 19 }).addTo(this.map);
    const url = `/cities/${encodeURIComponent(city.slug)}/collections/roads/tiles/WebMercatorQuad/{z}/{x}/{y}`;
    this.roads = new MvtLayer(url, { layerName: "roads", pane: "roads", maxNativeZoom: 18, style: (p) => featureStyle("roads", p) });
    const showRoads = () => {
      if (this.map.getZoom() >= roadsFrom) this.roads.addTo(this.map);
      else this.roads.remove();
    };
    this.map.on("zoomend", showRoads);
    showRoads();
    // the published routes, faint, for orientation
    const routes = `/cities/${encodeURIComponent(city.slug)}/collections/angkot_routes/tiles/WebMercatorQuad/{z}/{x}/{y}`;
    this.published = new MvtLayer(routes, {
      layerName: "angkot_routes", pane: "others", maxNativeZoom: 18, opacity: 0.35,
      style: (p) => ({ ...featureStyle("angkot_routes", p), weight: 2 }),
    }).addTo(this.map);
    if (city.bbox) {
      const [minx, miny, maxx, maxy] = city.bbox;
      this.map.fitBounds([[miny, minx], [maxy, maxx]]);
    }
  }

  /** The chosen route's line (coordinates [lon, lat]) in its colour, with direction arrows. */
  showRoute(coords, colour) {
    this.coords = coords || [];
    this.colour = colour || this.colour;
    if (!this.route) {
      this.route = L.polyline([], { pane: "route", weight: 5, opacity: 0.9, interactive: false, className: "route-line" }).addTo(this.map);
    }
    this.route.setLatLngs(toLatLngs(this.coords));
    this.route.setStyle({ color: this.colour });
    this.route.getElement?.()?.setAttribute("data-vertices", String(this.coords.length));
    this._drawArrows();
  }

  fitRoute() {
    if (this.coords.length >= 2) this.map.fitBounds(L.latLngBounds(toLatLngs(this.coords)), { padding: [30, 30], animate: false });
  }

  _drawArrows() {
    this.arrows.clearLayers();
    if (this.coords.length < 2) return;
    const points = this.coords.map(([lon, lat]) => {
      const p = this.map.latLngToLayerPoint([lat, lon]);
      return [p.x, p.y];
    });
    for (const a of arrowsAlong(points, ARROW_STEP_PX)) {
      const head = el("span", { class: "arrowhead", style: { transform: `rotate(${a.angle.toFixed(1)}deg)`, borderLeftColor: this.colour } });
      const icon = L.divIcon({ className: "arrow-icon", html: head, iconSize: [12, 12], iconAnchor: [6, 6] });
      L.marker(this.map.layerPointToLatLng([a.x, a.y]), { icon, pane: "arrows", interactive: false, keyboard: false }).addTo(this.arrows);
    }
  }

  /** Edit the waypoints with Geoman: drag a vertex, drag a middle handle to add one, right-click
   * (long-press) a vertex to remove it. Calls onWaypoints(coords) after each change. */
  async editWaypoints(coords) {
    await loadGeoman();
    this.stopEditing();
    this.control = L.polyline(toLatLngs(coords), {
      pane: "control", color: "#1d2733", weight: 2, dashArray: "4 6", opacity: 0.8, pmIgnore: false, className: "control-line",
    }).addTo(this.map);
    this.control.pm.enable({ snappable: false, draggable: false, allowSelfIntersection: true, removeLayerBelowMinVertexCount: false, preventMarkerRemoval: false });
    this.control.on("pm:edit", () => this.onWaypoints?.(toCoords(this.control.getLatLngs())));
    this._tagMarkers();
    this.control.on("pm:edit", () => this._tagMarkers());
  }

  /** The waypoints changed from outside (undo, redo, a click at the end): redraw the handles. */
  setWaypoints(coords) {
    if (!this.control) return;
    this.control.pm.disable();
    this.control.setLatLngs(toLatLngs(coords));
    this.control.pm.enable();
    this._tagMarkers();
  }

  // data attributes on Geoman's vertex markers: which waypoint each is (tests and styling)
  _tagMarkers() {
    const markers = this.control?.pm?._markers;
    if (!Array.isArray(markers)) return;
    markers.flat().forEach((m, i) => m.getElement?.()?.setAttribute("data-waypoint", String(i)));
  }

  stopEditing() {
    if (this.control) {
      this.control.pm.disable();
      this.control.remove();
      this.control = null;
    }
  }

  get editing() {
    return Boolean(this.control);
  }

  /** Two versions of a route: the old one dashed, the new one solid, what was added and removed. */
  showDiff(oldCoords, newCoords, diff, colour) {
    this.diff.clearLayers();
    if (newCoords?.length) L.polyline(toLatLngs(newCoords), { pane: "diff", color: colour || this.colour, weight: 5, className: "diff-new" }).addTo(this.diff);
    if (oldCoords?.length) L.polyline(toLatLngs(oldCoords), { pane: "diff", color: "#1d2733", weight: 3, dashArray: "6 8", className: "diff-old" }).addTo(this.diff);
    if (diff?.removed) L.geoJSON(diff.removed, { pane: "diff", style: { color: "#c0392b", weight: 4, dashArray: "6 8", opacity: 0.95, className: "diff-removed" } }).addTo(this.diff);
    if (diff?.added) L.geoJSON(diff.added, { pane: "diff", style: { color: "#1e8449", weight: 8, opacity: 0.6, className: "diff-added" } }).addTo(this.diff);
  }

  clearDiff() {
    this.diff.clearLayers();
  }

  /** Desire lines of unmet demand: wider for more searches, red where no itinerary was found
   * (grey where the reasons are held back). A count the server holds back (null: under 5) reads
   * "<5", never 0. */
  showDemand(fc, t) {
    this.demand.clearLayers();
    const features = fc?.features || [];
    const most = Math.max(1, ...features.map((f) => Number(f.properties?.searches) || 0));
    for (const f of features) {
      const p = f.properties || {};
      const searches = Number(p.searches) || 0;
      const none = p.no_itinerary == null ? null : Number(p.no_itinerary);
      const colour = none === null ? "#7f8c8d" : none * 2 >= searches ? "#c0392b" : "#8e44ad";
      const line = L.geoJSON(f, {
        pane: "demand",
        style: { color: colour, weight: 2 + 8 * (searches / most), opacity: 0.55, className: "demand-line" },
      });
      const counts = { searches: shownCount(p.searches), none: shownCount(p.no_itinerary), walk: shownCount(p.long_walk) };
      line.bindTooltip(() => el("span", { class: "demand-tip" }, t.format("edDemandTip", counts)), { sticky: true });
      line.addTo(this.demand);
    }
  }

  clearDemand() {
    this.demand.clearLayers();
  }
}
