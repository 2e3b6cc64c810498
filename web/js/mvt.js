// Mapbox Vector Tile layer drawn on canvas tiles (for big layers such as roads).
import * as L from "leaflet";
import { VectorTile } from "@mapbox/vector-tile";
import { PbfReader } from "pbf";

export const MvtLayer = L.GridLayer.extend({
  // onTileData(key, layer, coords): each drawn tile's decoded layer (labels); (key, null) when it goes
  options: { layerName: null, style: () => ({ color: "#888", weight: 1 }), tileSize: 256, onTileData: null },

  initialize(urlTemplate, options) {
    this._url = urlTemplate;
    L.setOptions(this, options);
    if (this.options.onTileData) this.on("tileunload", (e) => this.options.onTileData(this._tileCoordsToKey(e.coords), null, e.coords));
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
          if (this.options.onTileData && this._tiles?.[key]) this.options.onTileData(key, tile.layers[this.options.layerName], coords);
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
