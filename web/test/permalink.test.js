import { test } from "node:test";
import assert from "node:assert/strict";
import { formatHash, parseHash } from "../js/permalink.js";

test("parse and format #z/lat/lon", () => {
  assert.deepEqual(parseHash("#16/-6.17812/106.63001"), { z: 16, lat: -6.17812, lon: 106.63001 });
  assert.equal(formatHash(16.2, -6.178123, 106.630011), "#16/-6.17812/106.63001");
});

test("garbage and out-of-range hashes are ignored", () => {
  for (const h of ["", "#", "#abc", "#30/0/0", "#12/95/0", "#12/0/190", "#12/0"]) assert.equal(parseHash(h), null, h);
});
