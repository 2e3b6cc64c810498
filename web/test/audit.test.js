// The inspectorate page's pure helpers: rupiah, the 60-day clock's words, the filter query.
import { test } from "node:test";
import assert from "node:assert/strict";
import { choices, clockText, rupiah, siteQuery } from "../js/audit/format.js";
import { translator } from "../js/i18n.js";

const t = translator("id");

test("rupiah groups thousands with dots", () => {
  assert.equal(rupiah(1500000000), "Rp 1.500.000.000");
  assert.equal(rupiah(0), "Rp 0");
  assert.equal(rupiah(999), "Rp 999");
  assert.equal(rupiah(-2500), "-Rp 2.500");
});

test("the clock says days left, due today, days late, or no clock before the LHA", () => {
  const base = { due_date: "2026-11-09", followup_status: "belum_ditindaklanjuti" };
  assert.equal(clockText({ ...base, days_left: 5 }, t), "sisa 5 hari (tenggat 2026-11-09)");
  assert.equal(clockText({ ...base, days_left: 0 }, t), "tenggat hari ini (2026-11-09)");
  assert.equal(clockText({ ...base, days_left: -3 }, t), "terlambat 3 hari (tenggat 2026-11-09)");
  assert.equal(clockText({ ...base, days_left: -3, followup_status: "sesuai" }, t), "tenggat 2026-11-09");
  assert.equal(clockText({ due_date: null, days_left: null }, t), t("auditNoClock"));
  assert.equal(clockText({ ...base, days_left: -1 }, translator("en")), "1 days late (due 2026-11-09)");
});

test("the site query carries only the filters set", () => {
  assert.equal(siteQuery({}), "");
  assert.equal(siteQuery({ opd: "DPUPR", fiscal_year: "", kecamatan: null, severity: "tinggi" }), "?opd=DPUPR&severity=tinggi");
});

test("choices are distinct and sorted by label", () => {
  const fc = [{ properties: { k: "2", n: "B" } }, { properties: { k: "1", n: "A" } }, { properties: { k: "2", n: "B" } }, { properties: {} }];
  assert.deepEqual(choices(fc, "k", "n"), [["1", "A"], ["2", "B"]]);
});
