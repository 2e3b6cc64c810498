// The citizens' map loads Leaflet's minified build through js/leaflet.js: that module must export
// every name of Leaflet's own ES module, so `import * as L from "leaflet"` means the same there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const esm = readFileSync(new URL("../node_modules/leaflet/dist/leaflet-src.esm.js", import.meta.url), "utf8");
const shim = readFileSync(new URL("../js/leaflet.js", import.meta.url), "utf8");
const page = readFileSync(new URL("../index.html", import.meta.url), "utf8");

function leafletExports() {
  const list = esm.match(/^export \{([^}]*)\};?$/m)[1];
  return list.split(",").map((s) => s.trim().split(/\s+as\s+/).at(-1)).filter(Boolean).sort();
}

function shimExports() {
  const list = shim.match(/export const \{([^}]*)\} = L;/)[1];
  return list.split(",").map((s) => s.trim()).filter(Boolean).sort();
}

test("js/leaflet.js exports exactly the names of leaflet-src.esm.js", () => {
  assert.ok(leafletExports().length > 70);
  assert.deepEqual(shimExports(), leafletExports());
});

test("the citizens' map maps 'leaflet' to the module over the minified build", () => {
  const map = JSON.parse(page.match(/<script type="importmap">([\s\S]*?)<\/script>/)[1]);
  assert.equal(map.imports.leaflet, "/js/leaflet.js");
  assert.match(shim, /import "\/vendor\/leaflet\/leaflet\.js";/);
});
