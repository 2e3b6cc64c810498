import { test } from "node:test";
import assert from "node:assert/strict";
import { routeLegend, stepText, transfersText, isRide, vehicleOf, itinerarySummary, waitSeconds, legStyles } from "../js/citizen.js";
import { nextIndex } from "../js/combobox.js";
import { translator } from "../js/i18n.js";
import { kindLabel, understoodLabel } from "../js/places.js";
import { Sequencer } from "../js/sequence.js";
import { nextState } from "../js/sheet.js";
import { featureStyle, popupContent } from "../js/styles.js";
import { installFakeDocument, wrap } from "./fakedom.js";

installFakeDocument();
const id = translator("id");
const en = translator("en");

test("arrow keys move through the options and wrap", () => {
  assert.equal(nextIndex(-1, "ArrowDown", 3), 0);
  assert.equal(nextIndex(2, "ArrowDown", 3), 0);
  assert.equal(nextIndex(0, "ArrowUp", 3), 2);
  assert.equal(nextIndex(-1, "ArrowUp", 3), 2);
  assert.equal(nextIndex(1, "End", 3), 2);
  assert.equal(nextIndex(1, "x", 3), 1);
  assert.equal(nextIndex(0, "ArrowDown", 0), -1);
});

test("the sheet cycles peek, half, full", () => {
  assert.equal(nextState("peek"), "half");
  assert.equal(nextState("half"), "full");
  assert.equal(nextState("full"), "peek");
});

test("transfers in the plural each language wants", () => {
  assert.equal(transfersText(0, en), "no transfer");
  assert.equal(transfersText(1, en), "1 transfer");
  assert.equal(transfersText(2, en), "2 transfers");
  assert.equal(transfersText(2, "id"), "2 kali ganti");
});

test("what was understood names the kind of place", () => {
  assert.equal(understoodLabel({ name: "Cibodas", kind: "kecamatan" }, id), "Cibodas (Kecamatan)");
  assert.equal(understoodLabel({ name: "SDN 1", kind: "school" }, en), "SDN 1 (School)");
  assert.equal(understoodLabel({ name: "X" }, en), "X");
  assert.equal(kindLabel("planet", id), "planet");
});

test("the vehicle comes from the leg when the trip API names it, else angkot", () => {
  const brt = { mode: "brt", route: { code: "K2" }, instruction_id: "Naik angkot K2 di Jl. A", instruction_en: "Take angkot K2 at Jl. A" };
  assert.equal(isRide(brt), true);
  assert.equal(vehicleOf(brt), "brt");
  assert.equal(stepText(brt, id), "Naik BRT K2 di Jl. A");
  assert.equal(stepText(brt, en), "Take the BRT K2 at Jl. A");
  const angkot = { mode: "ride", route: { code: "R1" }, instruction_id: "Naik angkot R1" };
  assert.equal(vehicleOf(angkot), "angkot");
  assert.equal(stepText(angkot, id), "Naik angkot R1");
  assert.equal(stepText({ mode: "walk", instruction_id: "Jalan kaki 50 m" }, id), "Jalan kaki 50 m");
});

test("waiting and arrival shown when the answer has them, nothing when it has not", () => {
  const legs = [{ mode: "ride", route: { code: "R1" }, wait_s: 300 }, { mode: "ride", route: { code: "R2" }, wait_s: 240 }];
  assert.equal(waitSeconds({ legs }), 540);
  assert.equal(waitSeconds({ wait_s: 60, legs }), 60);
  assert.equal(waitSeconds({ legs: [{ mode: "ride", route: {} }] }), null);
  const it = { duration_s: 1200, walk_distance_m: 100, fare_idr: 4000, transfers: 1, legs, arrive_at: "2026-12-02T01:45:00Z" };
  assert.match(wrap(itinerarySummary(it, en)).textContent, /wait about 9 min · arrive \d\d:\d\d/);
  const plain = wrap(itinerarySummary({ ...it, legs: [{ mode: "ride", route: { code: "R1" } }], arrive_at: undefined }, en)).textContent;
  assert.doesNotMatch(plain, /wait|arrive/);
});

test("a ride is drawn with a dark casing under its colour; walking dashed", () => {
  const [casing, colour] = legStyles({ mode: "ride", route: { colour: "#a6cee3" } });
  assert.equal(casing.color, "#1d2733");
  assert.ok(casing.weight > colour.weight);
  assert.equal(colour.color, "#a6cee3");
  assert.ok(legStyles({ mode: "walk" }).at(-1).dashArray);
});

test("the legend has each route once, with its name and both directions", () => {
  const f = (code, name) => ({ properties: { code, name, colour: "#ff0000" } });
  const legend = routeLegend([f("R10", "Poris – Cikokol"), f("R2", "Kota – Cimone"), f("R2", "Kota – Cimone"), { properties: {} }]);
  assert.deepEqual(legend.map((r) => [r.code, r.name, r.directions]), [["R2", "Kota – Cimone", 2], ["R10", "Poris – Cikokol", 1]]);
});

test("layer colours come from /collections, per-feature colours still win", () => {
  assert.equal(featureStyle("kota", {}, { colour: "#222222", width: 3 }).color, "#222222");
  assert.equal(featureStyle("kota", {}).color, "#e8731a");
  assert.equal(featureStyle("kota", {}, { colour: "bad" }).color, "#e8731a");
  const style = { colour: "#1f78b4", width: 3, colour_property: "colour" };
  assert.equal(featureStyle("angkot_routes", { colour: "#00ff00" }, style).color, "#00ff00");
});

test("popups name the parent area instead of its code", () => {
  const names = (code) => (code === "3671010" ? "Kec. Cibodas" : null);
  const popup = popupContent("Kelurahan", { name: "Cibodas Baru", parent_code: "3671010", code: "1" }, id, names);
  const rows = popup.findAll("tr").map((tr) => [tr.findAll("th")[0].textContent, tr.findAll("td")[0].textContent]);
  assert.deepEqual(rows, [["Wilayah induk", "Kec. Cibodas"], ["Kode", "1"]]);
});

test("one sequencer: an older search answer is dropped when a newer one started", async () => {
  const seq = new Sequencer();
  let release;
  const old = seq.run("search:trip-to", () => new Promise((resolve) => { release = resolve; }));
  const newer = await seq.run("search:trip-to", async () => "new");
  release("old");
  assert.deepEqual(await old, { current: false });
  assert.deepEqual(newer, { current: true, value: "new" });
});
