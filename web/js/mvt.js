// Mapbox Vector Tile layer drawn on canvas tiles (for big layers such as roads).
import * as L from "leaflet";
import { VectorTile } from "@mapbox/vector-tile";
import { PbfReader } from "pbf";
import { insideRings, nearLine } from "./tilegrid.js";

export const MvtLayer = L.GridLayer.extend({
  // onTileData(key, layer, coords): each drawn tile's decoded layer (labels); (key, null) when it goes.
  // keepData: keep each shown tile's decoded layer so featureAt() can answer a tap.
  options: { layerName: null, style: () => ({ color: "#888", weight: 1 }), tileSize: 256, onTileData: null, keepData: false },

  initialize(urlTemplate, options) {
    this._url = urlTemplate;
    L.setOptions(this, options);
    this._decoded = new Map();
    this.on("tileunload", (e) => {
      const key = this._tileCoordsToKey(e.coords);
      this._decoded.delete(key);
      if (this.options.onTileData) this.options.onTileData(key, null, e.coords);
    });
  },

  /** The topmost feature of the shown tiles under `latlng` ({properties, type}), or null: inside
   * a polygon, within a few pixels of a line or a point. */
  featureAt(latlng, tolerancePx = 4) {
    if (!this._map || this._tileZoom === undefined) return null;
    const size = this.getTileSize();
    const p = this._map.project(latlng, this._tileZoom);
    const coords = L.point(Math.floor(p.x / size.x), Math.floor(p.y / size.y));
    coords.z = this._tileZoom;
    const layer = this._decoded.get(this._tileCoordsToKey(coords));
    if (!layer) return null;
    const scale = layer.extent / size.x;
    const x = (p.x - coords.x * size.x) * scale;
    const y = (p.y - coords.y * size.y) * scale;
    const near = tolerancePx * scale;
    for (let i = layer.length - 1; i >= 0; i--) {
      const feature = layer.feature(i);
      const rings = feature.loadGeometry();
      const hit = feature.type === 3 ? insideRings(rings, x, y) : rings.some((ring) => nearLine(ring, x, y, near));
      if (hit) return { type: feature.type, properties: feature.properties };
    }
    return null;
  },

  createTile(coords, done) {
    const size = this.getTileSize();
    const ratio = window.devicePixelRatio || 1;
    const canvas = L.DomUtil.create("canvas", "leaflet-tile");
    canvas.width = size.x * ratio;
    canvas.height = size.y * ratio;
    const url = this._url.replace("{z}", coords.z).replace("{x}", coords.x).replace("{y}", coords.y);
    fetch(url)
      .then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.arrayBuffer(); // empty for 204 (nothing in this tile); read, so the request ends
      })
      .then((buf) => {
        if (buf.byteLength) {
          const tile = new VectorTile(new PbfReader(buf));
          this._draw(canvas, tile, ratio);
          const key = this._tileCoordsToKey(coords);
          const layer = tile.layers[this.options.layerName];
          if (this.options.keepData && layer && this._tiles?.[key]) this._decoded.set(key, layer);
          if (this.options.onTileData && this._tiles?.[key]) this.options.onTileData(key, layer, coords);
        }
        done(null, canvas);
      })
      .catch((err) => done(err, canvas));
    return canvas;
  },

  _draw(canvas, tile, ratio) {
    const layer = tile.layers[this.options.layerName];
    if (!layer) return;
    const ctx = canvas.getContext("2d");
    const scale = (canvas.width / layer.extent);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    for (let i = 0; i < layer.length; i++) {
      const feature = layer.feature(i);
      const style = this.options.style(feature.properties);
      ctx.strokeStyle = style.color;
      ctx.lineWidth = (style.weight || 1) * ratio;
      ctx.beginPath();
      for (const ring of feature.loadGeometry()) {
        ring.forEach((p, j) => (j ? ctx.lineTo(p.x * scale, p.y * scale) : ctx.moveTo(p.x * scale, p.y * scale)));
      }
      if (feature.type === 3) {
        ctx.fillStyle = style.fillColor || style.color;
        ctx.globalAlpha = style.fillOpacity ?? 0.2;
        ctx.fill();
        ctx.globalAlpha = 1;
      }
      ctx.stroke();
    }
  },
});

