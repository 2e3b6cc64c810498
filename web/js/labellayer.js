// Street and place names on the map: one layer holding label sources (kecamatan and kelurahan
// names at their areas' label points, street names from the road tiles), placed again after every
// move so that no two labels overlap. Labels are text nodes in a pane above the markers (names stay
// readable over school clusters) that takes no clicks, so every marker under a name still answers.
import * as L from "leaflet";
import { labelPoint, placeLabels } from "./labels.js";

// the zoom ranges a label source shows at, [from, below): city, neighbourhood, street
export const LABEL_ZOOMS = { kecamatan: [11, 14], kelurahan: [13, 19.01], roads: [16, 19.01] };
const FONTS = { kecamatan: "700 14px system-ui, sans-serif", kelurahan: "600 12px system-ui, sans-serif", roads: "500 11px system-ui, sans-serif" };
const HEIGHTS = { kecamatan: 18, kelurahan: 16, roads: 14 };
const RANKS = { kecamatan: 0, kelurahan: 1 }; // roads rank from their class and length

export const LabelLayer = L.Layer.extend({
  initialize() {
    this._sources = new Map(); // id → { on, from, below, items() }
    this._tiles = new Map(); // roads: tile key → candidates
    this._widths = new Map();
  },

  onAdd(map) {
    if (!map.getPane("labels")) map.createPane("labels").style.zIndex = "630";
    this._box = L.DomUtil.create("div", "map-labels leaflet-zoom-hide", map.getPane("labels"));
    map.on("moveend zoomend resize", this._schedule, this);
    this._schedule();
  },

  onRemove(map) {
    map.off("moveend zoomend resize", this._schedule, this);
    this._box.remove();
    this._box = null;
  },

  /** An area layer's features: one label each at a point inside it (computed once, when first shown). */
  setAreas(id, features, minZoom = 0) {
    let cache = null;
    const items = () => (cache ??= features.flatMap((f) => {
      const at = labelPoint(f.geometry);
      const text = f.properties?.name;
      return at && typeof text === "string" && text.trim() ? [{ text, lonlat: at, angle: 0, rank: RANKS[id] ?? 5 }] : [];
    }));
    this._setSource(id, items, minZoom);
  },

  /** The street label candidates of one road tile (labels.js roadCandidates), or none. */
  setTile(key, candidates) {
    if (candidates?.length) this._tiles.set(key, candidates);
    else this._tiles.delete(key);
    if (!this._sources.has("roads")) this._setSource("roads", () => [...this._tiles.values()].flat(), 0);
    this._schedule();
  },

  show(id, on) {
    const source = this._sources.get(id);
    if (source) source.on = on;
    else this._pendingOff = { ...this._pendingOff, [id]: !on };
    this._schedule();
  },

  clear() {
    this._sources.clear();
    this._tiles.clear();
    this._schedule();
  },

  _setSource(id, items, minZoom) {
    const [from, below] = LABEL_ZOOMS[id] || [minZoom, 99];
    const on = !this._pendingOff?.[id];
    this._sources.set(id, { on, from: Math.max(from, minZoom), below, items });
    this._schedule();
  },

  _schedule() {
    if (!this._map || this._frame) return;
    this._frame = requestAnimationFrame(() => {
      this._frame = null;
      this._place();
    });
  },

  _width(id, text) {
    const key = `${id}\u0000${text}`;
    if (!this._widths.has(key)) {
      this._ctx ??= document.createElement("canvas").getContext("2d");
      this._ctx.font = FONTS[id];
      this._widths.set(key, Math.ceil(this._ctx.measureText(text).width) + 6);
    }
    return this._widths.get(key);
  },

  _place() {
    const map = this._map;
    if (!map || !this._box) return;
    const zoom = map.getZoom();
    const items = [];
    for (const [id, source] of this._sources) {
      if (!source.on || zoom < source.from || zoom >= source.below) continue;
      for (const item of source.items()) items.push({ ...item, id });
    }
    const size = map.getSize();
    const placed = placeLabels(
      items,
      (item) => map.latLngToContainerPoint([item.lonlat[1], item.lonlat[0]]),
      (item) => ({ w: this._width(item.id, item.text), h: HEIGHTS[item.id] }),
      { width: size.x, height: size.y },
    );
    const nodes = placed.map(({ item }) => {
      const node = L.DomUtil.create("div", `map-label map-label-${item.id}`);
      node.dataset.layer = item.id;
      const text = L.DomUtil.create("span", "", node);
      text.textContent = item.text; // text from data stays text
      if (item.angle) text.style.transform = `rotate(${item.angle}deg)`;
      L.DomUtil.setPosition(node, map.latLngToLayerPoint([item.lonlat[1], item.lonlat[0]]));
      return node;
    });
    this._box.replaceChildren(...nodes);
  },
});
