import { test } from "node:test";
import assert from "node:assert/strict";
import { featureStyle, formatMetres, formatRupiah, formatValue, popupContent, schoolColour } from "../js/styles.js";
import { translator } from "../js/i18n.js";
import { installFakeDocument } from "./fakedom.js";

installFakeDocument();
const HOSTILE = `<img src=x onerror="document.title='XSS'">&'`;

test("rupiah and metres read like Indonesians write them", () => {
  assert.equal(formatRupiah(5000), "Rp 5.000");
  assert.equal(formatRupiah(1234567), "Rp 1.234.567");
  assert.equal(formatMetres(850), "850 m");
  assert.equal(formatMetres(1500, "id"), "1,5 km");
  assert.equal(formatMetres(1500, "en"), "1.5 km");
});

test("headway in minutes, booleans in words", () => {
  const id = translator("id");
  const en = translator("en");
  assert.equal(formatValue("headway_s", 600, id), "tiap 10 menit");
  assert.equal(formatValue("headway_s", 600, en), "every 10 min");
  assert.equal(formatValue("active", true, id), "ya");
  assert.equal(formatValue("address", null, id), "–");
  assert.equal(formatValue("address", HOSTILE, id), HOSTILE); // text, shown as it is
});

test("route colour comes from the feature, bad colours fall back", () => {
  assert.equal(featureStyle("angkot_routes", { colour: "#ff0000" }).color, "#ff0000");
  assert.equal(featureStyle("angkot_routes", { colour: "red;x" }).color, "#1f78b4");
  assert.equal(schoolColour("SMP"), "#2e86ab");
  assert.equal(schoolColour("XYZ"), "#777");
});

test("popup shows a heading and Indonesian labels, data as text", () => {
  const popup = popupContent("Sekolah", { id: 7, name: "SD <Negeri> 1", level: "SD", npsn: "20600001" }, translator("id"));
  assert.equal(popup.className, "popup");
  assert.equal(popup.findAll("h3")[0].textContent, "SD <Negeri> 1");
  const rows = popup.findAll("tr").map((tr) => [tr.findAll("th")[0].textContent, tr.findAll("td")[0].textContent]);
  assert.deepEqual(rows, [["Jenjang", "SD"], ["NPSN", "20600001"]]);
  const en = popupContent("Schools", { name: "x", level: "SD" }, translator("en"));
  assert.deepEqual(en.findAll("th").map((th) => th.textContent), ["Level"]);
});

test("popup keeps hostile names, codes and values as literal text", () => {
  const props = { name: HOSTILE, code: HOSTILE, destination: HOSTILE, colour: HOSTILE };
  const popup = popupContent(HOSTILE, props, translator("id"));
  assert.equal(popup.findAll("h3")[0].textContent, HOSTILE);
  assert.equal(popup.findAll("div")[0].textContent, HOSTILE);
  assert.deepEqual(popup.findAll("td").map((td) => td.textContent), [HOSTILE, HOSTILE, HOSTILE]);
  assert.equal(popup.findAll("img").length, 0);
  assert.equal(popup.findAll("span").length, 0, "no swatch for a colour that is not #rrggbb");
  assert.equal(popupContent("T", { code: 5 }, translator("id")).findAll("h3")[0].textContent, "5");
});

test("popup colours get a swatch coloured through element.style", () => {
  const popup = popupContent("Trayek", { code: "R01", colour: "#ff0000" }, translator("id"));
  const [mark] = popup.findAll("span");
  assert.equal(mark.className, "swatch");
  assert.equal(mark.style.background, "#ff0000");
  assert.equal(mark.getAttribute("style"), null);
  assert.equal(popup.findAll("td")[1].textContent, " #ff0000");
});

test("featureAt finds the polygon under a point, respecting holes", async () => {
  const { featureAt } = await import("../js/search.js");
  const square = (x0, y0, x1, y1) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
  const a = { properties: { name: "A" }, geometry: { type: "MultiPolygon", coordinates: [[square(0, 0, 10, 10), square(4, 4, 6, 6)]] } };
  const b = { properties: { name: "B" }, geometry: { type: "Polygon", coordinates: [square(10, 0, 20, 10)] } };
  assert.equal(featureAt([a, b], 1, 1).properties.name, "A");
  assert.equal(featureAt([a, b], 5, 5), null);
  assert.equal(featureAt([a, b], 15, 5).properties.name, "B");
  assert.equal(featureAt([a, b], 25, 5), null);
});

test("the map shows a layer as /collections says: its mode, zoom, start state and taps", async () => {
  const { displayOf } = await import("../js/styles.js");
  const roads = { id: "roads", minzoom: 10, display: { mode: "tiles", minzoom: 14, on: true, tappable: false } };
  assert.deepEqual(displayOf(roads), { mode: "tiles", minzoom: 14, on: true, tappable: false });
  const parcels = { id: "parcels", minzoom: 12, display: { mode: "tiles", minzoom: 12, on: false, tappable: true } };
  assert.deepEqual(displayOf(parcels), { mode: "tiles", minzoom: 12, on: false, tappable: true });
  // a server without the hint (an older one): features from the tile zoom, on, not tappable
  assert.deepEqual(displayOf({ id: "x", minzoom: 8 }), { mode: "features", minzoom: 8, on: true, tappable: false });
  assert.equal(displayOf({ id: "x", display: { mode: "<b>" } }).mode, "features");
});

test("staff maps draw roads from the zoom the roads collection says, 14 when it cannot be read", async () => {
  const { roadsFromZoom } = await import("../js/styles.js");
  const asked = [];
  const served = async (url) => {
    asked.push(url);
    return { id: "roads", minzoom: 10, display: { mode: "tiles", minzoom: 15 } };
  };
  assert.equal(await roadsFromZoom("kota a/b", served), 15);
  assert.deepEqual(asked, ["/cities/kota%20a%2Fb/collections/roads"]);
  const down = async () => {
    throw new Error("HTTP 503");
  };
  assert.equal(await roadsFromZoom("tangerang", down), 14);
  assert.equal(await roadsFromZoom("tangerang", down, 12), 12);
});
