// Kelurahan search by name: forgiving matching over the loaded kelurahan features.

export function normalise(text) {
  return String(text || "")
    .toLowerCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/** Best matches for `query` among features with a `name`: exact, then prefix, then substring. */
export function findPlaces(features, query, limit = 8) {
  const q = normalise(query);
  if (!q) return [];
  const scored = [];
  for (const f of features) {
    const name = normalise(f.properties?.name);
    if (!name) continue;
    let score = -1;
    if (name === q) score = 3;
    else if (name.startsWith(q)) score = 2;
    else if (name.includes(q)) score = 1;
    if (score >= 0) scored.push({ score, feature: f });
  }
  scored.sort((a, b) => b.score - a.score || a.feature.properties.name.localeCompare(b.feature.properties.name));
  return scored.slice(0, limit).map((s) => s.feature);
}

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
