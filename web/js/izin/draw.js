// Drawing the parcel on the citizens' map with Leaflet-Geoman: draw a polygon, edit its
// vertices, snapping to the edges of the permitted parcels near the view (fetched as GeoJSON
// from the parcels layer, thin, under the drawing). One parcel at a time.
import * as L from "leaflet";
import { getJSON } from "../api.js";
import { loadGeoman } from "../editor/map.js";
import { latLngsOfGeometry, multiPolygonFromLatLngs } from "./geom.js";

const SNAP_FROM_ZOOM = 15;
const SNAP_LIMIT = 500;

export class ParcelDrawer {
  /** group: the flow's layer group; onChange(geometry | null) after every finished change. */
  constructor(map, group, { citySlug, onChange, onMode }) {
    Object.assign(this, { map, group, citySlug, onChange, onMode });
    this.layer = null;
    this.snap = L.layerGroup().addTo(group);
    this.mode = "idle"; // idle | draw | edit
    this._onCreate = (e) => this._created(e.layer);
    this._onMove = () => this.loadSnap();
  }

  async ready() {
    const PM = await loadGeoman();
    if (!this.map.pm) {
      // the citizens' map was made before Geoman was loaded: give it Geoman's map handler now
      this.map.pm = new PM.Map(this.map);
      this.map.pm.setGlobalOptions({});
    }
    this.map.pm.setLang(document.documentElement.lang === "en" ? "en" : "id");
    this.map.pm.setGlobalOptions({ snappable: true, snapDistance: 18, allowSelfIntersection: false, templineStyle: { color: "#10243e" }, hintlineStyle: { color: "#10243e", dashArray: "5 5" } });
    return PM;
  }

  /** Start watching the view for snap targets. */
  async attach() {
    await this.ready();
    this.map.off("pm:create", this._onCreate);
    this.map.on("pm:create", this._onCreate);
    this.map.off("moveend", this._onMove);
    this.map.on("moveend", this._onMove);
    if (this.layer && !this.group.hasLayer(this.layer)) this.layer.addTo(this.group);
    if (this.layer && !this.snap._map) this.snap.addTo(this.group);
    await this.loadSnap();
  }

  /** Stop drawing/editing and watching (leaving the step). */
  detach() {
    this.stop();
    this.map.off("pm:create", this._onCreate);
    this.map.off("moveend", this._onMove);
  }

  /** The permitted parcels in (a little around) the view, as snap targets. */
  async loadSnap() {
    if (this.map.getZoom() < SNAP_FROM_ZOOM) {
      this.snap.clearLayers();
      return;
    }
    const b = this.map.getBounds().pad(0.3);
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(6)).join(",");
    this.snapController?.abort();
    this.snapController = new AbortController();
    let fc;
    try {
      fc = await getJSON(`/cities/${encodeURIComponent(this.citySlug())}/collections/parcels/items?bbox=${bbox}&limit=${SNAP_LIMIT}`, { signal: this.snapController.signal });
    } catch {
      return; // snapping is a help, not a must
    }
    this.snap.clearLayers();
    L.geoJSON(fc, {
      renderer: (this.map._izinSnapRenderer ??= L.svg({ padding: 0.5 })),
      interactive: false, pmIgnore: true, snapIgnore: false,
      style: { color: "#4d7c2a", weight: 1, dashArray: "2 3", fill: false, className: "izin-snap" },
    }).addTo(this.snap);
    document.body.dataset.izinSnap = String(fc.features?.length ?? 0);
  }

  geometry() {
    return this.layer ? multiPolygonFromLatLngs(this.layer.getLatLngs()) : null;
  }

  /** Begin drawing a new polygon (replacing the current one when it is finished). */
  draw() {
    this.stop();
    this.mode = "draw";
    this.map.pm.enableDraw("Polygon", { snappable: true, snapDistance: 18, finishOn: null, pathOptions: this._style() });
    this.onMode?.(this.mode);
  }

  /** Toggle editing the vertices of the current parcel. */
  toggleEdit() {
    if (!this.layer) return;
    if (this.mode === "edit") return this.stop();
    this.stop();
    this.mode = "edit";
    this.layer.pm.enable({ snappable: true, snapDistance: 18, allowSelfIntersection: false, draggable: false });
    this.onMode?.(this.mode);
  }

  stop() {
    if (this.map.pm?.globalDrawModeEnabled?.()) this.map.pm.disableDraw();
    if (this.layer?.pm?.enabled?.()) this.layer.pm.disable();
    const was = this.mode;
    this.mode = "idle";
    if (was !== "idle") this.onMode?.(this.mode);
  }

  remove() {
    this.stop();
    if (this.layer) this.group.removeLayer(this.layer);
    this.layer = null;
    this.onChange?.(null);
  }

  /** Show a geometry from elsewhere (an uploaded file, the state after a step back). */
  show(geometry, { fit = false } = {}) {
    this.stop();
    if (this.layer) this.group.removeLayer(this.layer);
    this.layer = null;
    if (!geometry) return;
    this.layer = L.polygon(latLngsOfGeometry(geometry), { ...this._style(), pmIgnore: false, snapIgnore: true }).addTo(this.group);
    this._watch(this.layer);
    if (fit) this.map.fitBounds(this.layer.getBounds(), { maxZoom: 18, padding: [30, 30] });
  }

  _style() {
    // SVG even on a canvas-preferring map: the parcel is an element (styled, testable)
    const renderer = (this.map._izinSnapRenderer ??= L.svg({ padding: 0.5 }));
    return { renderer, color: "#10243e", weight: 3, fillColor: "#3d7cc9", fillOpacity: 0.15, className: "izin-parcel" };
  }

  _created(layer) {
    if (!(layer instanceof L.Polygon)) {
      layer.remove();
      return;
    }
    this.map.pm.disableDraw();
    layer.remove(); // Geoman put it on the map; it lives in our group instead
    if (this.layer) this.group.removeLayer(this.layer);
    this.layer = L.polygon(layer.getLatLngs(), { ...this._style(), pmIgnore: false, snapIgnore: true }).addTo(this.group);
    this._watch(this.layer);
    this.mode = "idle";
    this.onMode?.(this.mode);
    this.onChange?.(this.geometry());
  }

  _watch(layer) {
    layer.on("pm:edit", () => this.onChange?.(this.geometry()));
  }
}
