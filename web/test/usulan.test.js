import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { formatRupiah, monthLabel, pageInfo, proposalQuery, yearChoices } from "../js/proposals.js";
import { reportLinks, reportUrl } from "../js/kelola/reports.js";

test("rupiah with Indonesian thousand separators, unknown amounts as a dash", () => {
  assert.equal(formatRupiah(25000000), "Rp 25.000.000");
  assert.equal(formatRupiah(999), "Rp 999");
  assert.equal(formatRupiah(0), "Rp 0");
  assert.equal(formatRupiah("1500000"), "Rp 1.500.000");
  assert.equal(formatRupiah(1234567.6), "Rp 1.234.568");
  assert.equal(formatRupiah(null), "–");
  assert.equal(formatRupiah(undefined), "–");
  assert.equal(formatRupiah("abc"), "–");
});

test("the query string leaves empty filters out and keeps the page", () => {
  assert.equal(proposalQuery({}), "limit=25&offset=0");
  assert.equal(proposalQuery({ kind: "bansos", status: "ditetapkan", year: 2026, limit: 10, offset: 20 }),
    "kind=bansos&status=ditetapkan&year=2026&limit=10&offset=20");
  assert.equal(proposalQuery({ kelurahan: "36.71.01.1001&x=1", offset: -5 }), "kelurahan=36.71.01.1001%26x%3D1&limit=25&offset=0");
});

test("the pager knows the first and last rows and where to go", () => {
  assert.deepEqual(pageInfo(0, 25, 0), { first: 0, last: 0, prev: null, next: null });
  assert.deepEqual(pageInfo(60, 25, 0), { first: 1, last: 25, prev: null, next: 25 });
  assert.deepEqual(pageInfo(60, 25, 50), { first: 51, last: 60, prev: 25, next: null });
  assert.deepEqual(pageInfo(60, 25, 10), { first: 11, last: 35, prev: 0, next: 35 });
});

test("years newest first, months in the reader's language", () => {
  assert.deepEqual(yearChoices(new Date(2026, 5, 1), 2024), [2026, 2025, 2024]);
  assert.equal(monthLabel("2026-08", "id"), "Agu 2026");
  assert.equal(monthLabel("2026-08", "en"), "Aug 2026");
  assert.equal(monthLabel("bad"), "bad");
  assert.equal(monthLabel(null), "–");
});

test("report links of the selected kelurahan and its kecamatan", () => {
  assert.equal(reportUrl("tangerang", "kelurahan", "36.71.01.1001"), "/cities/tangerang/reports/kelurahan/36.71.01.1001.html");
  assert.deepEqual(reportLinks("tangerang", null, "36.71.01"), []);
  assert.deepEqual(reportLinks("tangerang", "36.71.01.1001", "36.71.01").map((l) => l.href), [
    "/cities/tangerang/reports/kelurahan/36.71.01.1001.html",
    "/cities/tangerang/reports/kecamatan/36.71.01.html",
  ]);
  assert.deepEqual(reportLinks("tangerang", "36.71.01.1001", null).map((l) => l.level), ["kelurahan"]);
  assert.equal(reportUrl("a/b", "kelurahan", "x?y"), "/cities/a%2Fb/reports/kelurahan/x%3Fy.html");
});

test("every string the proposals page asks for exists in Bahasa and in English", () => {
  const keys = new Set();
  for (const name of ["../js/usulan.js", "../js/kelola/reports.js", "../js/kelola/app.js"]) {
    const text = readFileSync(new URL(name, import.meta.url), "utf8");
    for (const m of text.matchAll(/\bt\(\s*"([A-Za-z_]+)"|\blabel: "([A-Za-z_]+)"/g)) keys.add(m[1] || m[2]);
  }
  for (const m of readFileSync(new URL("../usulan.html", import.meta.url), "utf8").matchAll(/data-i18n="([A-Za-z_]+)"/g)) keys.add(m[1]);
  assert.ok(keys.has("usulanTitle") && keys.has("reportKecamatan") && keys.has("attr_organisation"), [...keys].join());
  const source = readFileSync(new URL("../js/i18n.js", import.meta.url), "utf8");
  const tables = { id: source.slice(source.indexOf("  id: {"), source.indexOf("  en: {")), en: source.slice(source.indexOf("  en: {"), source.indexOf("// Property names")) };
  for (const [lang, table] of Object.entries(tables)) {
    const missing = [...keys].filter((k) => !new RegExp(`^\\s+${k}: "`, "m").test(table));
    assert.deepEqual(missing, [], lang);
  }
});

test("the proposals page: no inline script, handler or style, and its module parses no HTML", () => {
  const page = readFileSync(new URL("../usulan.html", import.meta.url), "utf8");
  for (const [, attrs, body] of page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    assert.match(attrs, /\bsrc=/);
    assert.equal(body.trim(), "");
  }
  assert.doesNotMatch(page, /\son\w+=|\sstyle=/i);
  for (const name of ["../js/usulan.js", "../js/proposals.js"]) {
    const text = readFileSync(new URL(name, import.meta.url), "utf8");
    assert.doesNotMatch(text, /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser)\b/, name);
  }
});
