import { test } from "node:test";
import assert from "node:assert/strict";
import { distanceText, formatDuration, itinerarySummary, legInstruction, legStyle, lonLatParam, routeChip } from "../js/citizen.js";
import { installFakeDocument, wrap } from "./fakedom.js";

installFakeDocument();

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
  const item = wrap(itinerarySummary(it, "id"));
  const text = item.textContent;
  assert.match(text, /Tercepat/);
  assert.match(text, /30 menit/);
  assert.match(text, /R01→ R02</);
  assert.match(text, /Rp 9\.000/);
  assert.match(text, /1 kali ganti/);
  const chips = item.findAll("span").filter((s) => s.className === "chip");
  assert.deepEqual(chips.map((c) => [c.textContent, c.style.background]), [["R01", "#ff0000"], ["R02<", "#1f78b4"]]);
  assert.equal(item.findAll("big").length, 0);
  assert.equal(wrap(itinerarySummary({ ...it, legs: [{ mode: "walk" }] }, "en")).textContent.includes("walk only"), true);
});

test("route chips hold the code as text, coloured only by a valid colour", () => {
  const hostile = `<svg onload="window.__xss=1">`;
  const chip = routeChip({ code: hostile, colour: "red;background:url(x)" });
  assert.equal(chip.textContent, hostile);
  assert.equal(chip.children.length, 0);
  assert.equal(chip.style.background, "#1f78b4");
  assert.equal(routeChip(null).textContent, "?");
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
