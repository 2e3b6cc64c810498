// The editor's geometry without a map: waypoints and the segments between them (snapped to the
// roads or straight), what an edit of the waypoints changed, the line made of the segments,
// arrowheads along a drawn line, and lengths. Coordinates are [lon, lat] like GeoJSON.

const R = 6371008.8; // mean earth radius, metres

/** Great-circle distance in metres between two [lon, lat]. */
export function haversine(a, b) {
  const rad = Math.PI / 180;
  const dlat = (b[1] - a[1]) * rad;
  const dlon = (b[0] - a[0]) * rad;
  const h = Math.sin(dlat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dlon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Length in metres of a list of [lon, lat]. */
export function lineLength(coords) {
  let total = 0;
  for (let i = 1; i < coords.length; i++) total += haversine(coords[i - 1], coords[i]);
  return total;
}

const same = (a, b) => Math.abs(a[0] - b[0]) < 1e-9 && Math.abs(a[1] - b[1]) < 1e-9;

/** The coordinates without repeated neighbours (the API refuses duplicate vertices). */
export function dedupe(coords) {
  const out = [];
  for (const c of coords) if (!out.length || !same(out[out.length - 1], c)) out.push([c[0], c[1]]);
  return out;
}

/**
 * Which segments of `after` are snapped, given an edit of the waypoints `before` → `after`.
 *
 * Segment i runs from waypoint i to i+1. Segments in the unchanged head and tail keep their
 * kind; the segments touching a moved, added or removed waypoint become snapped when `snapping`
 * is on and straight ("free") when off. `beforeSnapped` is a boolean per segment of `before`.
 * Returns {snapped: boolean[] (one per segment of `after`), changed: segment indices}.
 */
export function editSegments(before, beforeSnapped, after, snapping) {
  const n = before.length;
  const m = after.length;
  let head = 0;
  while (head < n && head < m && same(before[head], after[head])) head++;
  let tail = 0;
  while (tail < n - head && tail < m - head && same(before[n - 1 - tail], after[m - 1 - tail])) tail++;
  const snapped = [];
  const changed = [];
  for (let i = 0; i < m - 1; i++) {
    if (head === n && head === m) snapped.push(Boolean(beforeSnapped[i]));
    else if (i + 1 < head) snapped.push(Boolean(beforeSnapped[i])); // both ends in the head
    else if (i >= m - tail) snapped.push(Boolean(beforeSnapped[i - m + n])); // both in the tail
    else {
      snapped.push(Boolean(snapping));
      changed.push(i);
    }
  }
  return { snapped, changed };
}

/** The cache key of a snapped segment between two waypoints. */
export function segmentKey(a, b) {
  return `${a[0].toFixed(7)},${a[1].toFixed(7)};${b[0].toFixed(7)},${b[1].toFixed(7)}`;
}

const SPIKE_TURN_DEG = 170; // the API's rule: no turn back of more than 170° over less than 30 m
const SPIKE_SPAN_M = 30;

function local(origin, c) {
  const k = (Math.PI / 180) * R;
  return [(c[0] - origin[0]) * k * Math.cos((origin[1] * Math.PI) / 180), (c[1] - origin[1]) * k];
}

/** Whether a → b → c turns back by more than 170° with a leg shorter than 30 m. */
export function isSpike(a, b, c) {
  const [ax, ay] = local(b, a);
  const [cx, cy] = local(b, c);
  const span = Math.min(Math.hypot(ax, ay), Math.hypot(cx, cy));
  if (span >= SPIKE_SPAN_M || span === 0) return false;
  const h1 = Math.atan2(-ay, -ax);
  const h2 = Math.atan2(cy, cx);
  let turn = Math.abs(((h2 - h1) * 180) / Math.PI) % 360;
  if (turn > 180) turn = 360 - turn;
  return turn > SPIKE_TURN_DEG;
}

/** The line without the little back-and-forth where two pieces meet (a road path starting a
 * few metres past the waypoint the line came to): spikes within `reach` vertices of each joint
 * are dropped; elsewhere the line stays as drawn. */
export function despikeAt(coords, joints, reach = 3) {
  const out = coords.map((c) => [c[0], c[1]]);
  for (const j of [...new Set(joints)].sort((a, b) => b - a)) {
    let hi = j + reach;
    for (let guard = 0; guard <= 2 * reach; guard++) {
      let removed = false;
      for (let i = Math.max(1, j - reach); i <= Math.min(hi, out.length - 2); i++) {
        if (isSpike(out[i - 1], out[i], out[i + 1])) {
          out.splice(i, 1);
          hi -= 1;
          removed = true;
          break;
        }
      }
      if (!removed) break;
    }
  }
  return dedupe(out);
}

/**
 * The line of a route: each snapped segment as the road path found for it (`paths`, by
 * segmentKey), each straight segment as a straight line between the ends of its neighbours'
 * paths (so a straight piece joins the road where a snapped one left it), without spikes where
 * the pieces meet. A snapped segment whose path is missing is drawn straight.
 */
export function assemble(waypoints, snapped, paths) {
  if (waypoints.length < 2) return waypoints.map((c) => [c[0], c[1]]);
  const pieces = [];
  for (let i = 0; i < waypoints.length - 1; i++) {
    const path = snapped[i] ? paths.get(segmentKey(waypoints[i], waypoints[i + 1])) : null;
    pieces.push(path && path.length >= 2 ? { road: true, coords: path } : { road: false, coords: [waypoints[i], waypoints[i + 1]] });
  }
  const out = [];
  const joints = [];
  pieces.forEach((piece, i) => {
    let coords = piece.coords;
    if (!piece.road) {
      const prev = pieces[i - 1];
      const next = pieces[i + 1];
      const start = prev?.road ? prev.coords[prev.coords.length - 1] : coords[0];
      const end = next?.road ? next.coords[0] : coords[coords.length - 1];
      coords = [start, end];
    }
    const roadJoint = piece.road || pieces[i - 1]?.road;
    if (i > 0 && roadJoint) joints.push(Math.max(0, out.length - 1));
    for (const c of coords) if (!out.length || !same(out[out.length - 1], c)) out.push([c[0], c[1]]);
  });
  return despikeAt(out, joints);
}

/**
 * Points every `step` (pixels) along a line of screen points [[x, y], ...], each with the angle
 * of travel in degrees (0 = east, clockwise positive as on a screen). The first arrow sits half a
 * step in; a line shorter than a step gets one arrow in its middle.
 */
export function arrowsAlong(points, step) {
  const out = [];
  if (points.length < 2 || !(step > 0)) return out;
  const lengths = [];
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const d = Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
    lengths.push(d);
    total += d;
  }
  if (total === 0) return out;
  const first = total < step ? total / 2 : step / 2;
  let at = first;
  let walked = 0;
  for (let i = 0; i < lengths.length && at <= total; i++) {
    const d = lengths[i];
    while (d > 0 && at <= walked + d) {
      const f = (at - walked) / d;
      const [ax, ay] = points[i];
      const [bx, by] = points[i + 1];
      out.push({ x: ax + (bx - ax) * f, y: ay + (by - ay) * f, angle: (Math.atan2(by - ay, bx - ax) * 180) / Math.PI });
      at += step;
    }
    walked += d;
  }
  return out;
}

/** The same line the other way round (to preview "Balik arah"). */
export function reversed(coords) {
  return [...coords].reverse();
}
