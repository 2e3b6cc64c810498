import { test } from "node:test";
import assert from "node:assert/strict";
import { labelBox, labelPoint, placeLabels, roadCandidates } from "../js/labels.js";

function inside([x, y], ring) {
  let hit = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [ax, ay] = ring[i];
    const [bx, by] = ring[j];
    if ((ay > y) !== (by > y) && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) hit = !hit;
  }
  return hit;
}

test("an area's label point lies inside it, also for an L shape whose centroid does not", () => {
  const ell = [[106.60, -6.20], [106.70, -6.20], [106.70, -6.18], [106.62, -6.18], [106.62, -6.10], [106.60, -6.10], [106.60, -6.20]];
  const at = labelPoint({ type: "Polygon", coordinates: [ell] });
  assert.ok(inside(at, ell), String(at));
  // the larger part of a multipolygon carries the label
  const small = [[106.0, -6.0], [106.001, -6.0], [106.001, -6.001], [106.0, -6.0]];
  const multi = labelPoint({ type: "MultiPolygon", coordinates: [[small], [ell]] });
  assert.ok(inside(multi, ell));
  assert.equal(labelPoint({ type: "Point", coordinates: [1, 2] }), null);
  assert.equal(labelPoint(null), null);
});

function fakeLayer(features, extent = 4096) {
  return {
    extent,
    length: features.length,
    feature: (i) => ({ type: 2, properties: features[i].properties, loadGeometry: () => features[i].lines }),
  };
}

test("street candidates: one per name per tile (its longest line), upright, unnamed roads left out", () => {
  const layer = fakeLayer([
    { properties: { name: "Jalan Merdeka", road_class: "primary" }, lines: [[{ x: 100, y: 2000 }, { x: 3000, y: 2000 }]] },
    { properties: { name: "Jalan Merdeka", road_class: "primary" }, lines: [[{ x: 100, y: 100 }, { x: 300, y: 100 }]] },
    { properties: { name: "Gang Mawar", road_class: "residential" }, lines: [[{ x: 1000, y: 3000 }, { x: 500, y: 2500 }]] },
    { properties: { name: null, road_class: "primary" }, lines: [[{ x: 0, y: 0 }, { x: 4000, y: 4000 }]] },
    { properties: { name: "Di tetangga" }, lines: [[{ x: 4200, y: 10 }, { x: 5000, y: 10 }]] },
  ]);
  const out = roadCandidates(layer, { z: 16, x: 52176, y: 33890 });
  assert.deepEqual(out.map((c) => c.text), ["Jalan Merdeka", "Gang Mawar"]);
  const [merdeka, mawar] = out;
  assert.equal(merdeka.angle, 0);
  assert.equal(mawar.angle, 45); // drawn from lower right to upper left: turned upright
  assert.ok(merdeka.rank < mawar.rank, "the primary road is placed first");
  assert.ok(Math.abs(merdeka.lonlat[0] - 106.6) < 0.1 && Math.abs(merdeka.lonlat[1] + 6.17) < 0.1, String(merdeka.lonlat));
});

test("placement: no two labels overlap, higher ranks win, repeats are kept apart, none leaves the view", () => {
  const items = [
    { text: "B", rank: 1, x: 105, y: 100 },
    { text: "A", rank: 0, x: 100, y: 100 },
    { text: "C", rank: 2, x: 300, y: 100 },
    { text: "C", rank: 2, x: 400, y: 100 },
    { text: "D", rank: 3, x: 5, y: 5 },
  ];
  const placed = placeLabels(items, (i) => ({ x: i.x, y: i.y }), () => ({ w: 40, h: 12 }), { width: 800, height: 600 });
  assert.deepEqual(placed.map((p) => [p.item.text, p.x]), [["A", 100], ["C", 300]]);
  const turned = labelBox(0, 0, 40, 10, 90);
  assert.ok(Math.abs(turned.right - 5) < 1e-9 && Math.abs(turned.bottom - 20) < 1e-9);
});
