// WebMercatorQuad arithmetic for point tiles: which tiles cover a view, where a tile position
// lies, and a decoded tile's points as GeoJSON features (no Leaflet: unit-tested with node).

const MAX_MERCATOR_LAT = 85.0511287798;

/** The whole tile zoom for a map zoom, inside the layer's tile range [minZoom, maxZoom]. */
export function tileZoom(zoom, minZoom, maxZoom) {
  return Math.max(minZoom, Math.min(maxZoom, Math.floor(zoom)));
}

function tileX(lon, z) {
  return Math.floor(((lon + 180) / 360) * 2 ** z);
}

function tileY(lat, z) {
  const phi = (Math.max(-MAX_MERCATOR_LAT, Math.min(MAX_MERCATOR_LAT, lat)) * Math.PI) / 180;
  return Math.floor(((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * 2 ** z);
}

/** The WebMercatorQuad tiles {z, x, y} covering [west, south, east, north] at zoom z. */
export function tilesCovering([west, south, east, north], z) {
  const last = 2 ** z - 1;
  const clamp = (v) => Math.max(0, Math.min(last, v));
  const [x0, x1] = [clamp(tileX(west, z)), clamp(tileX(east, z))];
  const [y0, y1] = [clamp(tileY(north, z)), clamp(tileY(south, z))];
  const out = [];
  for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) out.push({ z, x, y });
  return out;
}

/** lon, lat of tile position (px, py) in a tile of `extent` units at z/x/y. */
export function lonLatAt(px, py, extent, { z, x, y }) {
  const n = 2 ** z;
  const lon = ((x + px / extent) / n) * 360 - 180;
  const lat = (Math.atan(Math.sinh(Math.PI * (1 - (2 * (y + py / extent)) / n))) * 180) / Math.PI;
  return [lon, lat];
}

/**
 * The points of a decoded tile layer as GeoJSON features: a grid cell of an aggregated tile (no
 * id, a `count`) as {count, cell: true}; a point with its id and its own properties. Points in the
 * tile's buffer belong to the neighbour tile and are left out (each point is drawn once).
 */
export function tilePoints(layer, tile) {
  const out = [];
  if (!layer) return out;
  for (let i = 0; i < layer.length; i++) {
    const feature = layer.feature(i);
    const [p] = feature.loadGeometry()[0] || [];
    if (!p) continue;
    const props = feature.properties || {};
    const cell = feature.id === undefined && Number.isFinite(props.count);
    if (!cell && (p.x < 0 || p.y < 0 || p.x >= layer.extent || p.y >= layer.extent)) continue;
    out.push({
      type: "Feature",
      id: feature.id,
      geometry: { type: "Point", coordinates: lonLatAt(p.x, p.y, layer.extent, tile) },
      properties: cell ? { count: props.count, cell: true } : { ...props },
    });
  }
  return out;
}

/** Hit tests in a tile's own coordinates ({x, y} points of a decoded MVT feature).
 * Even-odd test over every ring of a (multi)polygon: holes and parts come out right. */
export function insideRings(rings, x, y) {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i];
      const b = ring[j];
      if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
    }
  }
  return inside;
}

/** Whether (x, y) lies within `near` of the line (or point) `ring`. */
export function nearLine(ring, x, y, near) {
  const d2 = near * near;
  if (ring.length === 1) return (ring[0].x - x) ** 2 + (ring[0].y - y) ** 2 <= d2;
  for (let i = 1; i < ring.length; i++) {
    const a = ring[i - 1];
    const b = ring[i];
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = dx * dx + dy * dy;
    const t = len ? Math.max(0, Math.min(1, ((x - a.x) * dx + (y - a.y) * dy) / len)) : 0;
    if ((a.x + t * dx - x) ** 2 + (a.y + t * dy - y) ** 2 <= d2) return true;
  }
  return false;
}
