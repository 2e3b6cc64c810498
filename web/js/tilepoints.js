// A point layer (schools) from the server's vector tiles, clustered on screen (supercluster): at
// low zooms the tiles hold counts per grid cell, from the aggregation zoom on the points
// themselves (at most the layer's cap per tile), so the browser never downloads the whole layer.
import * as L from "leaflet";
import Supercluster from "supercluster";
import { VectorTile } from "@mapbox/vector-tile";
import { PbfReader } from "pbf";
import { el } from "./dom.js";
import { tilePoints, tileZoom, tilesCovering } from "./tilegrid.js";

const CACHE_TILES = 256; // decoded tiles kept (oldest dropped first)

function bubble(n) {
  const size = n < 10 ? 22 : n < 100 ? 26 : 32; // small: the clusters must not hide the map
  return L.divIcon({ html: el("span", null, String(n)), className: "cluster", iconSize: [size, size] });
}

export const TiledPoints = L.LayerGroup.extend({
  /**
   * url: tile URL template ({z}/{x}/{y}); options: layerName, minZoom/maxZoom (the tile zooms
   * fetched), pane, pointToLayer(feature, latlng) for a single point, onError(message).
   */
  initialize(url, options) {
    L.LayerGroup.prototype.initialize.call(this, [], options);
    this._url = url;
    this._tiles = new Map(); // "z/x/y" -> points (decoded), or a promise while loading
    this._view = 0;
    this._settled = Promise.resolve();
  },

  /** Resolves when the tiles of the latest view have arrived and are drawn. */
  settled() {
    const current = this._settled;
    return current.then(() => (current === this._settled ? undefined : this.settled()));
  },

  onAdd(map) {
    L.LayerGroup.prototype.onAdd.call(this, map);
    map.on("moveend", this._update, this);
    this._update();
  },

  onRemove(map) {
    map.off("moveend", this._update, this);
    this._view += 1;
    L.LayerGroup.prototype.onRemove.call(this, map);
  },

  _wanted() {
    const b = this._map.getBounds().pad(0.2);
    const z = tileZoom(this._map.getZoom(), this.options.minZoom, this.options.maxZoom);
    return tilesCovering([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], z);
  },

  _update() {
    if (!this._map) return;
    this._view += 1;
    const view = this._view;
    const wanted = this._wanted();
    const loads = wanted.map((tile) => this._load(tile));
    this._settled = Promise.allSettled(loads).then(() => {
      if (view === this._view && this._map) this._render(wanted);
    });
  },

  _load(tile) {
    const key = `${tile.z}/${tile.x}/${tile.y}`;
    const known = this._tiles.get(key);
    if (known) return Promise.resolve(known);
    const url = this._url.replace("{z}", tile.z).replace("{x}", tile.x).replace("{y}", tile.y);
    const loading = fetch(url)
      .then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.arrayBuffer(); // empty for 204 (nothing in this tile)
      })
      .then((buf) => {
        const points = buf.byteLength ? tilePoints(new VectorTile(new PbfReader(buf)).layers[this.options.layerName], tile) : [];
        this._tiles.set(key, points);
        if (this._tiles.size > CACHE_TILES) this._tiles.delete(this._tiles.keys().next().value);
        return points;
      })
      .catch((err) => {
        this._tiles.delete(key); // asked again on the next move
        this.options.onError?.(err.message);
        return [];
      });
    this._tiles.set(key, loading);
    return loading;
  },

  _render(wanted) {
    const points = wanted.flatMap((t) => {
      const got = this._tiles.get(`${t.z}/${t.x}/${t.y}`);
      return Array.isArray(got) ? got : [];
    });
    const index = new Supercluster({
      // how many schools a cluster stands for: its cells' counts and its points
      radius: 55, maxZoom: 16, map: (p) => ({ n: p.cell ? p.count : 1 }), reduce: (acc, p) => { acc.n += p.n; },
    }).load(points);
    const b = this._map.getBounds().pad(0.2);
    const zoom = Math.round(this._map.getZoom());
    this.clearLayers();
    for (const item of index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom)) {
      const [lon, lat] = item.geometry.coordinates;
      const latlng = L.latLng(lat, lon);
      const p = item.properties;
      if (!p.cluster && !p.cell) {
        this.addLayer(this.options.pointToLayer(item, latlng));
        continue;
      }
      const n = p.cluster ? p.n : p.count;
      const marker = L.marker(latlng, { pane: this.options.pane || "markerPane", icon: bubble(n), title: String(n) });
      marker.on("click", () => {
        const z = p.cluster ? index.getClusterExpansionZoom(p.cluster_id) : this._map.getZoom() + 2;
        this._map.setView(latlng, Math.min(z, 18));
      });
      this.addLayer(marker);
    }
  },
});
