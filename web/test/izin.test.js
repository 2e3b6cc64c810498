// The permit pages' pure helpers: parcel geometry from Leaflet rings, verdicts, figures, the body.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkBody, figureRows, formatArea, formatShare, itbxColour, latLngsOfGeometry, multiPolygonFromLatLngs, parseNumber, vertexCount, verdictKey, worstVerdict,
} from "../js/izin/geom.js";
import { translator } from "../js/i18n.js";

const ring = [{ lat: -6.1, lng: 106.6 }, { lat: -6.1, lng: 106.601 }, { lat: -6.101, lng: 106.601 }];

test("a drawn ring becomes a closed MultiPolygon in lon, lat", () => {
  const g = multiPolygonFromLatLngs([ring]);
  assert.equal(g.type, "MultiPolygon");
  assert.deepEqual(g.coordinates[0][0], [[106.6, -6.1], [106.601, -6.1], [106.601, -6.101], [106.6, -6.1]]);
  assert.deepEqual(multiPolygonFromLatLngs(ring), g); // a flat ring too
  assert.deepEqual(multiPolygonFromLatLngs([[ring], [ring]]).coordinates.length, 2);
  assert.equal(multiPolygonFromLatLngs([]), null);
  assert.equal(multiPolygonFromLatLngs([[ring.slice(0, 2)]]), null); // two points are no polygon
  assert.equal(vertexCount(g), 3);
});

test("GeoJSON back to Leaflet's [lat, lon]", () => {
  const g = multiPolygonFromLatLngs([ring]);
  assert.deepEqual(latLngsOfGeometry(g)[0][0][1], [-6.1, 106.601]);
  assert.deepEqual(latLngsOfGeometry({ type: "Polygon", coordinates: g.coordinates[0] })[0][0][0], [-6.1, 106.6]);
  assert.deepEqual(latLngsOfGeometry({ type: "Point", coordinates: [1, 2] }), []);
});

test("verdicts: colours by ITBX, the worst of several, their words in both languages", () => {
  assert.equal(itbxColour("I"), "#2e9e4f");
  assert.equal(itbxColour("t"), itbxColour("B"));
  assert.equal(itbxColour("X"), "#d62828");
  assert.equal(itbxColour("?"), "#7a7a7a");
  assert.equal(worstVerdict(["lolos", "tidak_lolos", "perlu_kajian"]), "tidak_lolos");
  assert.equal(worstVerdict([]), null);
  assert.equal(translator("id")(verdictKey("perlu_kajian")), "Perlu kajian");
  assert.equal(translator("en")(verdictKey("tidak_lolos")), "Fails");
  assert.equal(translator("id")("izIndicative"), "Indikatif, bukan KKPR/KRK");
});

test("areas, shares and figure rows read as people read them", () => {
  assert.equal(formatArea(1734.2), "1.734 m²");
  assert.equal(formatArea(1734.2, "en"), "1,734 m²");
  assert.equal(formatArea(250000), "25 ha");
  assert.equal(formatArea(null), "—");
  assert.equal(formatShare(0.18), "18 %");
  assert.equal(formatShare(0.054), "5,4 %");
  assert.equal(formatShare(-0.00001), "0 %");
  assert.equal(formatShare(-0.021, "en"), "-2.1 %");
  const rows = figureRows({ area_m2: 312, share: 0.18, zones: [{ code: "R-2", name: "Perumahan", verdict: "I", area_m2: 1000, share: 0.6 }], kdb: 60 });
  assert.deepEqual(rows, [["area_m2", "312 m²"], ["share", "18 %"], ["R-2 Perumahan", "I · 1.000 m² · 60 %"], ["kdb", "60"]]);
});

test("the draft-check body: numbers parsed, each bad field named", () => {
  assert.equal(parseNumber("1.200"), 1200);
  assert.equal(parseNumber("12,5"), 12.5);
  assert.equal(parseNumber(""), null);
  const geometry = multiPolygonFromLatLngs([ring]);
  const ok = checkBody(geometry, { use: "Rumah tinggal", declared_area_m2: "1.700", floors: "2", footprint_m2: "600", green_m2: "" });
  assert.deepEqual(ok.errors, {});
  assert.deepEqual(ok.body, { geometry, use: "Rumah tinggal", declared_area_m2: 1700, floors: 2, footprint_m2: 600, green_m2: null });
  const bad = checkBody(null, { use: "", declared_area_m2: "0", floors: "1,5", footprint_m2: "x", green_m2: "-1" });
  assert.deepEqual(Object.keys(bad.errors).sort(), ["declared_area_m2", "floors", "footprint_m2", "geometry", "green_m2", "use"]);
});
