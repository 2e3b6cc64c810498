import { test } from "node:test";
import assert from "node:assert/strict";
import { distanceText, formatDuration, itinerarySummary, legInstruction, legStyle, lonLatParam } from "../js/citizen.js";

test("durations in Indonesian and English", () => {
  assert.equal(formatDuration(30), "1 menit");
  assert.equal(formatDuration(1500), "25 menit");
  assert.equal(formatDuration(3600), "1 jam");
  assert.equal(formatDuration(4500, "en"), "1 h 15 min");
});

test("lon,lat order for the API", () => {
  assert.equal(lonLatParam({ lat: -6.1, lng: 106.6 }), "106.600000,-6.100000");
});

test("itinerary summary lists route chips in order and totals", () => {
  const it = {
    duration_s: 1800, walk_distance_m: 450, fare_idr: 9000, transfers: 1, labels: ["fastest"],
    legs: [
      { mode: "walk" },
      { mode: "ride", route: { code: "R01", colour: "#ff0000" } },
      { mode: "ride", route: { code: "R02<", colour: "bad" } },
    ],
  };
  const html = itinerarySummary(it, "id");
  assert.match(html, /Tercepat/);
  assert.match(html, /30 menit/);
  assert.match(html, /R01<\/span>→ <span class="chip" style="background:#1f78b4">R02&lt;/);
  assert.match(html, /Rp 9\.000/);
  assert.match(html, /1 ganti angkot/);
});

test("legs: language and style", () => {
  const leg = { mode: "walk", instruction_id: "Jalan 200 m", instruction_en: "Walk 200 m" };
  assert.equal(legInstruction(leg, "en"), "Walk 200 m");
  assert.equal(legInstruction(leg, "id"), "Jalan 200 m");
  assert.equal(legStyle(leg).dashArray, "2 8");
  assert.equal(legStyle({ mode: "ride", route: { colour: "#00ff00" } }).color, "#00ff00");
});

test("school distances show straight-line and walking figures", () => {
  assert.equal(distanceText({ distance_m: 850, walk_distance_m: 1200, walk_duration_s: 960 }, "id"), "850 m · jalan 1,2 km · 16 menit");
  assert.equal(distanceText({ distance_m: 85 }, "en"), "85 m");
});
