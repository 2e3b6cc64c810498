// The city's layers on the map: loading (GeoJSON pages, vector tiles, clusters), switching, popups.
// Only the layers switched on are loaded; point layers (which can hold 200,000 features) come as
// vector tiles, counted per grid cell at low zooms, never as whole-layer downloads.
import * as L from "leaflet";
import { getAllFeatures, getJSON } from "./api.js";
import { LABEL_ZOOMS, LabelLayer } from "./labellayer.js";
import { roadCandidates } from "./labels.js";
import { MvtLayer } from "./mvt.js";
import { TiledPoints } from "./tilepoints.js";
import { displayOf, featureStyle, layerColour, popupContent, schoolColour } from "./styles.js";

export const LAYER_ORDER = ["kota", "kecamatan", "kelurahan", "roads", "parcels", "angkot_routes", "schools"];
const LABELLED_AREAS = new Set(["kecamatan", "kelurahan"]); // names at their areas, see labellayer.js
const PANES = { areas: 410, roads: 420, routes: 440, points: 620 };
const POINT_TILE_MAX_ZOOM = 16; // tiles of point layers are fetched up to this zoom (then reused)
const LINE_TYPES = new Set(["LineString", "MultiLineString"]);

export function paneOf(c) {
  const { mode } = displayOf(c);
  if (mode === "points") return "points";
  if (c.id === "angkot_routes") return "routes";
  if (mode === "tiles" && LINE_TYPES.has(c.geometryType)) return "roads";
  return "areas";
}

/** Collections sorted for the switcher: known layers in map order, then the rest by title. */
export function orderCollections(collections) {
  const rank = (c) => {
    const i = LAYER_ORDER.indexOf(c.id);
    return i === -1 ? LAYER_ORDER.length : i;
  };
  return [...collections].sort((a, b) => rank(a) - rank(b) || String(a.title).localeCompare(String(b.title)));
}

export function collectionTitle(collection, lang) {
  if (lang === "en" && collection.title_en) return collection.title_en;
  return collection.title || collection.id;
}

export class LayerManager {
  constructor(map, { t, onBusy, onError, onLayerLoaded }) {
    this.map = map;
    this.t = t;
    this.onBusy = onBusy;
    this.onError = onError;
    this.onLayerLoaded = onLayerLoaded;
    this.entries = new Map();
    this.generation = 0;
    this.base = "";
    for (const [name, z] of Object.entries(PANES)) {
      if (!map.getPane(name)) map.createPane(name).style.zIndex = String(z);
    }
    // points are few on screen (clustered): SVG keeps each one a clickable, testable element
    this.pointRenderer = L.svg({ pane: "points" });
    this.labels = new LabelLayer().addTo(map);
  }

  setTranslator(t) {
    this.t = t;
  }

  clear() {
    this.generation += 1;
    for (const entry of this.entries.values()) entry.layer.remove();
    this.entries.clear();
    this.labels.clear();
  }

  /** Build every layer of `collections` for the city; returns the entries in switcher order. */
  async load(city, collections) {
    this.clear();
    const generation = this.generation;
    const base = `/cities/${encodeURIComponent(city.slug)}/collections`;
    this.base = base;
    const ordered = orderCollections(collections);
    for (const c of ordered) {
      const entry = { id: c.id, collection: c, layer: this._makeLayer(c, base), count: null, on: displayOf(c).on };
      this.entries.set(c.id, entry);
      if (entry.on) entry.layer.addTo(this.map);
      this.labels.show(c.id, entry.on);
    }
    // a layer switched off is loaded when it is first switched on
    const jobs = ordered.filter((c) => this.entries.get(c.id).on).map((c) => this._fill(c, base, generation));
    this.onBusy(true);
    try {
      await Promise.all(jobs);
    } finally {
      if (generation === this.generation) this.onBusy(false);
    }
    return [...this.entries.values()];
  }

  toggle(id, on) {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.on = on;
    this.labels.show(id, on);
    if (on) entry.layer.addTo(this.map);
    else entry.layer.remove();
    if (on && !entry.filling) {
      const generation = this.generation;
      this.onBusy(true);
      this._fill(entry.collection, this.base, generation).finally(() => generation === this.generation && this.onBusy(false));
    }
  }

  /** "Kec. Cibodas" / "Kel. Cibodas Baru" for an area code of the loaded boundary layers, or null. */
  areaName(code) {
    if (code === null || code === undefined || code === "") return null;
    for (const [id, key] of [["kecamatan", "kecPrefix"], ["kelurahan", "kelPrefix"]]) {
      const hit = this.features(id).find((f) => String(f.properties?.code) === String(code));
      if (hit?.properties?.name) return `${this.t(key)} ${hit.properties.name}`;
    }
    return null;
  }

  /** A tap at `latlng` on a feature of a tappable tile layer opens its popup; true when one did. */
  tap(latlng) {
    for (const entry of [...this.entries.values()].reverse()) {
      const shown = displayOf(entry.collection);
      if (!entry.on || !shown.tappable || shown.mode !== "tiles" || this.map.getZoom() < shown.minzoom) continue;
      const hit = entry.layer.featureAt(latlng);
      if (!hit) continue;
      const title = collectionTitle(entry.collection, this.t.lang);
      L.popup({ maxWidth: 320 })
        .setLatLng(latlng)
        .setContent(popupContent(title, hit.properties || {}, this.t, (code) => this.areaName(code)))
        .openOn(this.map);
      return true;
    }
    return false;
  }

  /** The layer's style from /collections (colour, width, fill), or null. */
  styleOf(id) {
    return this.entries.get(id)?.collection?.style || null;
  }

  features(id) {
    return this.entries.get(id)?.features || [];
  }

  _popup(collection) {
    // an element, not a string: Leaflet reads a string as HTML
    return (feature, layer) =>
      layer.bindPopup(() => popupContent(collectionTitle(collection, this.t.lang), feature.properties || {}, this.t, (code) => this.areaName(code)), { maxWidth: 320 });
  }

  _makeLayer(c, base) {
    const pane = paneOf(c);
    const shown = displayOf(c);
    const tiles = `${base}/${c.id}/tiles/WebMercatorQuad/{z}/{x}/{y}`;
    if (shown.mode === "tiles") {
      // the layer's zooms from /collections; the map's own minZoom is fixed in main.js so a
      // layer's minimum never caps how far the map zooms out
      const labelled = c.id === "roads";
      return new MvtLayer(tiles, {
        layerName: c.id, pane, minZoom: shown.minzoom, maxNativeZoom: Math.min(c.maxzoom ?? 18, 18),
        style: (p) => featureStyle(c.id, p, c.style),
        keepData: shown.tappable, // the decoded features, for a tap's popup (no second request)
        // street names from the tiles drawn at label zooms (the same bytes, no second request)
        onTileData: labelled
          ? (key, layer, coords) => this.labels.setTile(key, layer && coords.z >= LABEL_ZOOMS.roads[0] - 0.5 ? roadCandidates(layer, coords) : null)
          : null,
      });
    }
    if (shown.mode === "points") {
      const onEach = this._popup(c);
      const minZoom = shown.minzoom;
      return new TiledPoints(tiles, {
        layerName: c.id, pane, minZoom, maxZoom: Math.max(minZoom, Math.min(c.maxzoom ?? POINT_TILE_MAX_ZOOM, POINT_TILE_MAX_ZOOM)),
        onError: (msg) => this.onError(`${collectionTitle(c, this.t.lang)}: ${msg}`),
        pointToLayer: (feature, latlng) => {
          const marker = L.circleMarker(latlng, {
            pane, renderer: this.pointRenderer, className: `point-marker ${c.id}-marker`,
            radius: 7, weight: 2, color: "#fff", fillOpacity: 0.95,
            fillColor: c.id === "schools" ? schoolColour(feature.properties.level) : layerColour(c.id),
          });
          onEach(feature, marker);
          return marker;
        },
      });
    }
    // A tap goes to the map (angkot near here, trip points, home), which names the kelurahan
    // under it; only tappable layers take taps themselves.
    return L.geoJSON(null, {
      pane, interactive: shown.tappable, style: (f) => featureStyle(c.id, f.properties, c.style), onEachFeature: this._popup(c),
    });
  }

  /** Load a layer once: the features of a GeoJSON layer; a tiled layer's count (and a point
   * layer's first tiles). */
  _fill(c, base, generation) {
    const entry = this.entries.get(c.id);
    const { mode } = displayOf(c);
    if (mode === "tiles" && LINE_TYPES.has(c.geometryType)) return Promise.resolve(); // a network: no count
    entry.filling ??= (mode === "features" ? this._features(entry, base) : this._count(entry, base)).catch((err) => {
      if (generation !== this.generation) return;
      entry.filling = null; // tried again when switched on again
      this.onError(`${collectionTitle(c, this.t.lang)}: ${err.message}`);
    });
    const done = entry.filling.then(() => generation === this.generation && this.onLayerLoaded(entry));
    return mode === "points" ? Promise.all([done, entry.layer.settled()]) : done;
  }

  async _features(entry, base) {
    const fc = await getAllFeatures(`${base}/${entry.id}/items?limit=1000`, { maxFeatures: 200000 });
    entry.features = fc.features;
    entry.count = fc.features.length;
    entry.layer.addData(fc);
    if (LABELLED_AREAS.has(entry.id)) this.labels.setAreas(entry.id, fc.features, entry.collection.minzoom);
  }

  async _count(entry, base) {
    // one feature asked for: the answer's numberMatched is the layer's size
    const page = await getJSON(`${base}/${entry.id}/items?limit=1`);
    entry.count = Number.isFinite(page.numberMatched) ? page.numberMatched : null;
  }
}
