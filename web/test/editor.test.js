// The route editor's pure parts: which segments an edit snaps, the line made of the segments,
// arrowheads along a line, the attribute form, ETags, the diff and impact lines, save failures,
// and the page's strings, import map and CSP rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { arrowsAlong, assemble, dedupe, despikeAt, editSegments, haversine, isSpike, lineLength, segmentKey } from "../js/editor/geometry.js";
import { DEFAULTS, diffSummary, editorAccess, formValues, formatLength, impactSummary, matchRoute, parseEtag, propertiesFrom, saveFailure, windowProblem } from "../js/editor/format.js";
import { translator } from "../js/i18n.js";

const W = [[106.60, -6.20], [106.61, -6.20], [106.62, -6.20], [106.63, -6.20], [106.64, -6.20]];

test("moving a waypoint snaps the two segments beside it, the rest keep their kind", () => {
  const before = [false, true, false, false];
  const moved = W.map((c, i) => (i === 2 ? [106.62, -6.201] : c));
  assert.deepEqual(editSegments(W, before, moved, true), { snapped: [false, true, true, false], changed: [1, 2] });
  assert.deepEqual(editSegments(W, [true, true, true, true], moved, false).snapped, [true, false, false, true], "snapping off: straight");
  assert.deepEqual(editSegments(W, before, W, true), { snapped: before, changed: [] }, "no change, no snapping");
});

test("adding and removing waypoints shifts the kinds of the tail", () => {
  const before = [true, false, false, true];
  const added = [...W.slice(0, 2), [106.615, -6.199], ...W.slice(2)];
  assert.deepEqual(editSegments(W, before, added, true), { snapped: [true, true, true, false, true], changed: [1, 2] });
  const removed = [...W.slice(0, 2), ...W.slice(3)];
  assert.deepEqual(editSegments(W, before, removed, false), { snapped: [true, false, true], changed: [1] });
  const appended = [...W, [106.65, -6.2]];
  assert.deepEqual(editSegments(W, before, appended, true), { snapped: [...before, true], changed: [4] });
  assert.deepEqual(editSegments([], [], [W[0]], true), { snapped: [], changed: [] });
  assert.deepEqual(editSegments([W[0]], [], [W[0], W[1]], true), { snapped: [true], changed: [0] });
});

test("the line joins road paths and straight pieces without spikes back to the waypoints", () => {
  const paths = new Map([[segmentKey(W[1], W[2]), [[106.6101, -6.2001], [106.615, -6.203], [106.6199, -6.2001]]]]);
  const line = assemble(W.slice(0, 4), [false, true, false], paths);
  assert.deepEqual(line, [[106.60, -6.20], [106.6101, -6.2001], [106.615, -6.203], [106.6199, -6.2001], [106.63, -6.20]]);
  assert.deepEqual(assemble(W.slice(0, 3), [true, true], new Map()), W.slice(0, 3), "no path yet: straight");
  assert.deepEqual(assemble([W[0]], [], paths), [W[0]]);
  assert.deepEqual(dedupe([[1, 2], [1, 2], [3, 4], [1, 2]]), [[1, 2], [3, 4], [1, 2]]);
});

test("lengths in metres", () => {
  const d = haversine([106.6, -6.2], [106.61, -6.2]);
  assert.ok(Math.abs(d - 1105.5) < 2, `${d}`);
  assert.ok(Math.abs(lineLength(W) - 4 * d) < 1);
  assert.equal(formatLength(850.4), "850 m");
  assert.equal(formatLength(8123.4), "8,1 km");
  assert.equal(formatLength(8123.4, "en"), "8.1 km");
  assert.equal(formatLength(null), "–");
});

test("arrowheads every step along the screen line, pointing the way of travel", () => {
  const arrows = arrowsAlong([[0, 0], [100, 0], [100, 200]], 90);
  assert.deepEqual(arrows.map((a) => [Math.round(a.x), Math.round(a.y), Math.round(a.angle)]), [[45, 0, 0], [100, 35, 90], [100, 125, 90]]);
  assert.deepEqual(arrowsAlong([[0, 0], [0, -40]], 90).map((a) => [a.x, a.y, a.angle]), [[0, -20, -90]], "short: one in the middle");
  assert.deepEqual(arrowsAlong([[5, 5]], 90), []);
  assert.deepEqual(arrowsAlong([[5, 5], [5, 5]], 90), []);
});

test("the form shows the headway in minutes and sends seconds", () => {
  const v = formValues({ code: "R01", name: "Cimone – Poris", direction: 1, colour: "#AA0000", fare_idr: 5000, headway_s: 450, speed_kmh: 18.5, active: false, circular: true });
  assert.deepEqual(v, { code: "R01", name: "Cimone – Poris", direction: "1", origin: "", destination: "", colour: "#aa0000", fare_idr: "5000", headway_min: "7.5", speed_kmh: "18.5", active: false, circular: true });
  const { properties, errors } = propertiesFrom({ ...v, headway_min: "7,5", origin: " Cimone " });
  assert.deepEqual(errors, []);
  assert.deepEqual(properties, { code: "R01", name: "Cimone – Poris", direction: 1, origin: "Cimone", destination: null, colour: "#aa0000", fare_idr: 5000, headway_s: 450, speed_kmh: 18.5, active: false, circular: true });
  assert.equal(formValues({ colour: "red" }).colour, DEFAULTS.colour, "a colour the picker cannot show");
  const bad = propertiesFrom({ code: " ", name: "", colour: "red", fare_idr: "4.500,5", headway_min: "0", speed_kmh: "200", direction: "0" });
  assert.deepEqual(bad.errors.map((e) => e.field), ["code", "name", "colour", "fare_idr", "headway_min", "speed_kmh"]);
});

test("ETags of routes, access by role, search", () => {
  assert.deepEqual(parseEtag('"r12v5"'), { id: 12, head: 5 });
  assert.deepEqual(parseEtag('W/"r1v10"'), { id: 1, head: 10 });
  assert.equal(parseEtag('"v3"'), null);
  assert.deepEqual(editorAccess({ roles: [{ role: "dishub" }] }), { edit: true, review: false });
  assert.deepEqual(editorAccess({ roles: [{ role: "dishub_reviewer" }] }), { edit: true, review: true });
  assert.deepEqual(editorAccess({ roles: [{ role: "admin" }] }), { edit: true, review: true });
  assert.deepEqual(editorAccess({ roles: [{ role: "opd_staff", opd: "DISHUB" }] }), { edit: false, review: false });
  assert.deepEqual(editorAccess(null), { edit: false, review: false });
  assert.ok(matchRoute({ code: "R01", name: "Cimone" }, "cim"));
  assert.ok(!matchRoute({ code: "R01", name: "Cimone" }, "poris"));
});

test("the diff and the draft's effect in one line each", () => {
  const t = translator("id");
  const diff = { length_added_m: 420.2, length_removed_m: 1380, kelurahan_added: [{ code: "1", name: "Sukasari" }, { code: "2", name: "Babakan" }], kelurahan_removed: [], attributes: { name: ["a", "b"], colour: ["#000000", "#ffffff"] } };
  assert.equal(diffSummary(diff, t), "+420 m / −1,4 km · kelurahan baru: Sukasari, Babakan · berubah: Nama, Warna");
  assert.equal(diffSummary({}, translator("en")), "+0 m / −0 m");
  assert.equal(impactSummary({ searches_served: 12 }, { kelurahan_added: [1, 2, 3], kelurahan_removed: [], covered_km2_change: 4.2 }, t),
    "melayani 12 pencarian yang belum terlayani · +3 kelurahan, +4,2 km² tercakup");
  assert.equal(impactSummary(null, { kelurahan_added: [], kelurahan_removed: [1], covered_km2_change: -0.5 }, translator("en")),
    "+0 kelurahan, −0.5 km² covered · 1 kelurahan no longer covered");
});

test("a stale save names who saved meanwhile and the draft that keeps the edit", () => {
  const t = translator("id");
  const f = saveFailure({ status: 412, problem: { saved_by: "rina", saved_at: "2026-12-01T10:00:00Z", head: 6, draft_version: 7 } });
  assert.equal(f.stale, true);
  assert.equal(t.format(f.key, f.params), "Trayek ini disimpan lebih dulu oleh rina (versi 6). Suntingan Anda tidak hilang: tersimpan sebagai draf versi 7; lihat riwayat untuk menggabungkannya.");
  assert.equal(saveFailure({ status: 412, problem: {} }).key, "edStale");
  assert.deepEqual(saveFailure({ status: 422, problem: { errors: [{ code: "spike", message: "Ada putaran balik" }] } }), { key: "edInvalid", list: ["Ada putaran balik"] });
  assert.equal(saveFailure({ status: 403 }).key, "edForbidden");
  assert.equal(saveFailure({ status: 500, message: "x" }).detail, "x");
});

const page = readFileSync(new URL("../editor.html", import.meta.url), "utf8");
const sources = readdirSync(new URL("../js/editor/", import.meta.url)).map((f) => [f, readFileSync(new URL(`../js/editor/${f}`, import.meta.url), "utf8")]);

test("every editor string exists in Bahasa and in English, once each", () => {
  const source = readFileSync(new URL("../js/i18n.js", import.meta.url), "utf8");
  const [, idPart, enPart] = source.split(/\n  (?:id|en): \{/);
  const keysOf = (part) => [...part.split("\n  },")[0].matchAll(/^ {4}(\w+):/gm)].map((m) => m[1]);
  for (const keys of [keysOf(idPart), keysOf(enPart)]) assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), [], "no key twice");
  const ids = new Set(keysOf(idPart));
  const ens = new Set(keysOf(enPart));
  const used = new Set();
  for (const m of page.matchAll(/data-i18n(?:-aria|-placeholder)?="(\w+)"/g)) used.add(m[1]);
  for (const [, text] of sources) for (const m of text.matchAll(/\bt(?:\.format)?\("(\w+)"/g)) used.add(m[1]);
  for (const [, text] of sources) for (const m of text.matchAll(/key: "(\w+)"/g)) used.add(m[1]);
  for (const s of ["draft", "returned", "published", "superseded"]) used.add(`st_${s}`);
  assert.deepEqual([...used].filter((k) => !ids.has(k)), [], "missing in Bahasa");
  assert.deepEqual([...used].filter((k) => !ens.has(k)), [], "missing in English");
});

test("the editor page uses index.html's import map byte for byte and no inline script or style", () => {
  const importMap = (text) => /<script type="importmap">([\s\S]*?)<\/script>/.exec(text)[1];
  assert.equal(importMap(page), importMap(readFileSync(new URL("../index.html", import.meta.url), "utf8")));
  for (const [, attrs, body] of page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/importmap/.test(attrs)) continue;
    assert.match(attrs, /\bsrc=/);
    assert.equal(body.trim(), "");
  }
  assert.doesNotMatch(page, /<style\b|\sstyle\s*=|\son[a-z]+\s*=/i);
});

test("the editor's modules build no HTML from strings", () => {
  for (const [file, text] of sources) {
    assert.doesNotMatch(text, /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser)\b/, file);
    assert.doesNotMatch(text, /\bhtml\s*:\s*[`"']/, file);
    assert.doesNotMatch(text, /\.(bindPopup|bindTooltip)\((?!\(\) => el\()/, file);
    assert.doesNotMatch(text, /setAttribute\(\s*["']style["']|\.cssText\b/, file);
  }
});

test("where a road path starts past the waypoint, the joint does not double back", () => {
  // the line comes east to W[1]; the road path starts 8 m further east and goes back through W[1]
  const past = [106.61 + 8 / 110600, -6.2];
  const path = [past, [106.61, -6.2], [106.61, -6.195]];
  const line = assemble([W[0], W[1], [106.61, -6.195]], [false, true], new Map([[segmentKey(W[1], [106.61, -6.195]), path]]));
  assert.deepEqual(line, [W[0], [106.61, -6.2], [106.61, -6.195]]);
  assert.ok(isSpike([0, 0], [0.0002, 0], [0.00001, 0]), "back over 20 m");
  assert.ok(!isSpike([0, 0], [0.001, 0], [0.0001, 0]), "back over 100 m is a turn, not a spike");
  assert.ok(!isSpike([0, 0], [0.0002, 0], [0.0002, 0.0002]), "a right angle");
  // away from the joints the line is left as drawn
  const zigzag = [[0, 0], [0.0002, 0], [0.00001, 0], [0.001, 0]];
  assert.deepEqual(despikeAt(zigzag, []), zigzag);
  assert.deepEqual(despikeAt(zigzag, [1]), [[0, 0], [0.00001, 0], [0.001, 0]]);
});

test("a demand window the API answers: start before end, at most 366 days", () => {
  assert.equal(windowProblem("2026-11-01", "2026-12-01"), null);
  assert.equal(windowProblem("", ""), null);
  assert.equal(windowProblem("2026-11-01", ""), null);
  assert.equal(windowProblem("2026-12-02", "2026-12-01"), "edBadWindow");
  assert.equal(windowProblem("2020-01-01", "2026-12-01"), "edLongWindow");
  assert.equal(windowProblem("2025-12-01", "2026-12-01"), null, "a year");
  assert.equal(windowProblem("kemarin", "2026-12-01"), "edBadWindow");
});
