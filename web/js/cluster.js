// Point layer drawn as clusters (supercluster) that split as you zoom in.
import * as L from "leaflet";
import Supercluster from "supercluster";
import { el } from "./dom.js";

export const ClusterLayer = L.LayerGroup.extend({
  initialize(options) {
    L.LayerGroup.prototype.initialize.call(this, [], options);
    this._index = new Supercluster({ radius: 55, maxZoom: 15 });
    this._count = 0;
    this._loaded = false;
  },

  setData(features) {
    this._index.load(features.filter((f) => f.geometry && f.geometry.type === "Point"));
    this._count = features.length;
    this._loaded = true;
    if (this._map) this._render();
    return this;
  },

  featureCount() {
    return this._count;
  },

  onAdd(map) {
    L.LayerGroup.prototype.onAdd.call(this, map);
    map.on("moveend", this._render, this);
    this._render();
  },

  onRemove(map) {
    map.off("moveend", this._render, this);
    L.LayerGroup.prototype.onRemove.call(this, map);
  },

  _render() {
    if (!this._map || !this._loaded) return;
    this.clearLayers();
    const b = this._map.getBounds().pad(0.2);
    const zoom = Math.round(this._map.getZoom());
    const items = this._index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom);
    for (const item of items) {
      const [lon, lat] = item.geometry.coordinates;
      if (item.properties.cluster) {
        const n = item.properties.point_count;
        const size = n < 10 ? 22 : n < 100 ? 26 : 32; // small: the clusters must not hide the map
        const marker = L.marker([lat, lon], {
          pane: this.options.pane || "markerPane",
          icon: L.divIcon({ html: el("span", null, String(n)), className: "cluster", iconSize: [size, size] }),
          title: String(n),
        });
        marker.on("click", () => {
          const z = Math.min(this._index.getClusterExpansionZoom(item.properties.cluster_id), 18);
          this._map.setView([lat, lon], z);
        });
        this.addLayer(marker);
      } else {
        this.addLayer(this.options.pointToLayer(item, L.latLng(lat, lon)));
      }
    }
  },
});
