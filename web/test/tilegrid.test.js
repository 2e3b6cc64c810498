import { test } from "node:test";
import assert from "node:assert/strict";
import { lonLatAt, tilePoints, tileZoom, tilesCovering } from "../js/tilegrid.js";

test("the tile zoom is the whole map zoom inside the layer's range", () => {
  assert.equal(tileZoom(12.75, 8, 16), 12);
  assert.equal(tileZoom(6.5, 8, 16), 8);
  assert.equal(tileZoom(18.2, 8, 16), 16);
});

test("tiles covering a view: Tangerang at zoom 12 and the whole world at zoom 1", () => {
  const tiles = tilesCovering([106.56, -6.27, 106.72, -6.12], 12);
  assert.deepEqual([...new Set(tiles.map((t) => t.x))], [3260, 3261, 3262]);
  assert.deepEqual([...new Set(tiles.map((t) => t.y))], [2117, 2118, 2119]);
  assert.equal(tiles.length, 9);
  assert.equal(tilesCovering([-200, -90, 200, 90], 1).length, 4); // clamped to the tile matrix
});

test("a tile position back to lon, lat", () => {
  const [lon, lat] = lonLatAt(0, 0, 4096, { z: 0, x: 0, y: 0 });
  assert.equal(lon, -180);
  assert.ok(Math.abs(lat - 85.0511) < 1e-3);
  const [clon, clat] = lonLatAt(2048, 2048, 4096, { z: 0, x: 0, y: 0 });
  assert.ok(Math.abs(clon) < 1e-9 && Math.abs(clat) < 1e-9);
});

function fakeLayer(features, extent = 4096) {
  return {
    extent,
    length: features.length,
    feature: (i) => ({ id: features[i].id, properties: features[i].properties, loadGeometry: () => [[features[i].at]] }),
  };
}

test("a tile's points: cells count many, points carry their properties, the buffer is left out", () => {
  const layer = fakeLayer([
    { id: undefined, properties: { count: 12 }, at: { x: 100, y: 100 } },
    { id: 7, properties: { name: "SD Negeri 1", level: "SD" }, at: { x: 2048, y: 2048 } },
    { id: 8, properties: { name: "in the buffer" }, at: { x: -10, y: 2048 } },
    { id: 9, properties: { name: "next tile" }, at: { x: 4096, y: 10 } },
  ]);
  const points = tilePoints(layer, { z: 12, x: 3261, y: 2118 });
  assert.equal(points.length, 2);
  assert.deepEqual(points[0].properties, { count: 12, cell: true });
  assert.deepEqual(points[1].properties, { name: "SD Negeri 1", level: "SD" });
  assert.equal(points[1].id, 7);
  const [lon, lat] = points[1].geometry.coordinates;
  assert.ok(lon > 106.6 && lon < 106.7 && lat < -6.1 && lat > -6.3, `${lon} ${lat}`);
  assert.deepEqual(tilePoints(undefined, { z: 1, x: 0, y: 0 }), []);
});

test("a tap inside a parcel with a hole: inside the ring, not in the hole, not outside", async () => {
  const { insideRings } = await import("../js/tilegrid.js");
  const square = (x0, y0, s) => [{ x: x0, y: y0 }, { x: x0 + s, y: y0 }, { x: x0 + s, y: y0 + s }, { x: x0, y: y0 + s }, { x: x0, y: y0 }];
  const rings = [square(0, 0, 100), square(40, 40, 20)];
  assert.equal(insideRings(rings, 10, 10), true);
  assert.equal(insideRings(rings, 50, 50), false); // the hole
  assert.equal(insideRings(rings, 150, 50), false);
  // a second part of a multipolygon counts
  assert.equal(insideRings([...rings, square(200, 200, 10)], 205, 205), true);
});

test("a tap near a line or a point hits within the tolerance only", async () => {
  const { nearLine } = await import("../js/tilegrid.js");
  const line = [{ x: 0, y: 0 }, { x: 100, y: 0 }];
  assert.equal(nearLine(line, 50, 3, 4), true);
  assert.equal(nearLine(line, 50, 5, 4), false);
  assert.equal(nearLine(line, 103, 0, 4), true); // past the end, within reach
  assert.equal(nearLine([{ x: 10, y: 10 }], 12, 12, 4), true);
  assert.equal(nearLine([{ x: 10, y: 10 }], 20, 20, 4), false);
});
