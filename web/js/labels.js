// Map labels without Leaflet (unit-tested with node): a label point inside an area, street label
// candidates from a decoded road tile, and a greedy placement that drops labels which would overlap.
import { lonLatAt } from "./tilegrid.js";

/** Signed distance-ish of (x, y) to a polygon's rings: > 0 inside, < 0 outside (planar units). */
function ringDistance(x, y, rings) {
  let inside = false;
  let best = Infinity;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [ax, ay] = ring[i];
      const [bx, by] = ring[j];
      if ((ay > y) !== (by > y) && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
      best = Math.min(best, segmentDistance(x, y, ax, ay, bx, by));
    }
  }
  return inside ? best : -best;
}

function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len)) : 0;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function ringArea(ring) {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return Math.abs(sum / 2);
}

/**
 * [lon, lat] of a point well inside a Polygon or MultiPolygon (its largest part): a grid search for
 * the point farthest from the edges, refined around the best cell a few times. Unlike a centroid
 * it never falls outside a concave area. null for anything else.
 */
export function labelPoint(geometry) {
  if (!geometry) return null;
  const parts = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  const part = parts.filter((p) => p?.[0]?.length >= 4).sort((a, b) => ringArea(b[0]) - ringArea(a[0]))[0];
  if (!part) return null;
  // planar in metres-like units: longitude shrunk by cos(latitude)
  const k = Math.cos((part[0][0][1] * Math.PI) / 180);
  const rings = part.map((ring) => ring.map(([lon, lat]) => [lon * k, lat]));
  const xs = rings[0].map((p) => p[0]);
  const ys = rings[0].map((p) => p[1]);
  let [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  let best = null;
  const N = 8;
  for (let round = 0; round < 5; round++) {
    const sx = (x1 - x0) / N;
    const sy = (y1 - y0) / N;
    for (let i = 0; i <= N; i++) {
      for (let j = 0; j <= N; j++) {
        const x = x0 + i * sx;
        const y = y0 + j * sy;
        const d = ringDistance(x, y, rings);
        if (!best || d > best.d) best = { x, y, d };
      }
    }
    [x0, x1, y0, y1] = [best.x - sx, best.x + sx, best.y - sy, best.y + sy];
  }
  if (best.d <= 0) return [rings[0][0][0] / k, rings[0][0][1]]; // degenerate: a vertex
  return [best.x / k, best.y];
}

const ROAD_RANK = { primary: 0, secondary: 1, tertiary: 2, residential: 3 };

/**
 * Street label candidates of a decoded road tile layer: one per name (the tile's longest stretch
 * of that name), at the middle of that line, with the angle of the line there (degrees, text kept
 * upright). {text, lonlat, angle, rank} where a lower rank is placed first (bigger roads, longer).
 */
export function roadCandidates(layer, tile) {
  const byName = new Map();
  if (!layer) return [];
  for (let i = 0; i < layer.length; i++) {
    const feature = layer.feature(i);
    const name = feature.properties?.name;
    if (typeof name !== "string" || !name.trim() || feature.type !== 2) continue;
    for (const line of feature.loadGeometry()) {
      const length = lineLength(line);
      const known = byName.get(name);
      if (!known || length > known.length) byName.set(name, { line, length, roadClass: feature.properties.road_class });
    }
  }
  const out = [];
  for (const [name, { line, length, roadClass }] of byName) {
    const mid = along(line, length / 2);
    if (!mid || mid.x < 0 || mid.y < 0 || mid.x >= layer.extent || mid.y >= layer.extent) continue; // the neighbour's
    let angle = (Math.atan2(mid.dy, mid.dx) * 180) / Math.PI;
    if (angle > 90) angle -= 180;
    if (angle <= -90) angle += 180;
    const rank = 10 + (ROAD_RANK[roadClass] ?? 4) - Math.min(length / layer.extent, 0.99);
    out.push({ text: name, lonlat: lonLatAt(mid.x, mid.y, layer.extent, tile), angle: Math.round(angle), rank });
  }
  return out;
}

function lineLength(line) {
  let sum = 0;
  for (let i = 1; i < line.length; i++) sum += Math.hypot(line[i].x - line[i - 1].x, line[i].y - line[i - 1].y);
  return sum;
}

/** The point `distance` along a line, with the direction of its segment there. */
function along(line, distance) {
  let left = distance;
  for (let i = 1; i < line.length; i++) {
    const [a, b] = [line[i - 1], line[i]];
    const seg = Math.hypot(b.x - a.x, b.y - a.y);
    if (seg > 0 && (left <= seg || i === line.length - 1)) {
      const t = Math.min(1, left / seg);
      return { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y), dx: b.x - a.x, dy: b.y - a.y };
    }
    left -= seg;
  }
  return null;
}

/** The axis-aligned box of a w×h label centred at (x, y) and turned by `angle` degrees. */
export function labelBox(x, y, w, h, angle = 0) {
  const r = (angle * Math.PI) / 180;
  const bw = Math.abs(w * Math.cos(r)) + Math.abs(h * Math.sin(r));
  const bh = Math.abs(w * Math.sin(r)) + Math.abs(h * Math.cos(r));
  return { left: x - bw / 2, right: x + bw / 2, top: y - bh / 2, bottom: y + bh / 2 };
}

function overlaps(a, b, gap) {
  return a.left < b.right + gap && b.left < a.right + gap && a.top < b.bottom + gap && b.top < a.bottom + gap;
}

/**
 * The labels to show, in rank order, none overlapping another (with `gap` px around each) and
 * none leaving the view; a text is not repeated within `repeat` px. items: {text, rank, angle,
 * ...}; at(item) → {x, y} screen px or null; size(item) → {w, h} px; view: {width, height}.
 */
export function placeLabels(items, at, size, view, { gap = 4, repeat = 260 } = {}) {
  const placed = [];
  const sorted = [...items].sort((a, b) => a.rank - b.rank || String(a.text).localeCompare(String(b.text)));
  for (const item of sorted) {
    const p = at(item);
    if (!p) continue;
    const { w, h } = size(item);
    const box = labelBox(p.x, p.y, w, h, item.angle || 0);
    if (box.left < 0 || box.top < 0 || box.right > view.width || box.bottom > view.height) continue;
    if (placed.some((o) => overlaps(o.box, box, gap))) continue;
    if (placed.some((o) => o.item.text === item.text && Math.hypot(o.x - p.x, o.y - p.y) < repeat)) continue;
    placed.push({ item, box, x: p.x, y: p.y });
  }
  return placed;
}
