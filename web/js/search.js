// Which loaded area (kelurahan) holds a point: point-in-polygon over GeoJSON features.
// (Place names are searched on the server, /search, by every box: js/places.js.)

function inRing(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(rings, x, y) {
  return rings.length > 0 && inRing(rings[0], x, y) && !rings.slice(1).some((hole) => inRing(hole, x, y));
}

/** The first (Multi)Polygon feature that contains lon, lat, or null. */
export function featureAt(features, lon, lat) {
  for (const f of features) {
    const g = f.geometry;
    if (!g) continue;
    const polygons = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    if (polygons.some((rings) => inPolygon(rings, lon, lat))) return f;
  }
  return null;
}
