// The inspectorate page's pure helpers: rupiah, the 60-day clock's words, the filter query, the
// new site's body from the entry form.
import { test } from "node:test";
import assert from "node:assert/strict";
import { choices, clockText, fieldErrors, parseAmount, parseDecimal, pointFromLatLng, rupiah, siteBody, siteQuery } from "../js/audit/format.js";
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

test("amounts and decimals typed the Indonesian way are numbers; other text is left for the server", () => {
  assert.equal(parseAmount("1.500.000"), 1500000);
  assert.equal(parseAmount("Rp 2.000"), 2000);
  assert.equal(parseAmount(" "), null);
  assert.equal(parseAmount("dua juta"), "dua juta");
  assert.equal(parseDecimal("65,5"), 65.5);
  assert.equal(parseDecimal("2026"), 2026);
  assert.equal(parseDecimal("-"), "-");
});

test("the new site's body carries the geometry and leaves empty optional fields out", () => {
  const point = pointFromLatLng({ lat: -6.178123456789, lng: 106.63 });
  assert.deepEqual(point, { type: "Point", coordinates: [106.63, -6.1781235] });
  const values = { opd_code: " DPUPR ", activity: "Rehab SDN", budget_idr: "1.500.000", fiscal_year: "2026", contractor: "", contract_value_idr: "", progress_pct: "" };
  assert.deepEqual(siteBody(values, point), { geometry: point, opd_code: "DPUPR", activity: "Rehab SDN", budget_idr: 1500000, fiscal_year: 2026 });
  const full = siteBody({ ...values, contractor: "PT A", contract_value_idr: "1.400.000", progress_pct: "40,5" }, point);
  assert.equal(full.contractor, "PT A");
  assert.equal(full.contract_value_idr, 1400000);
  assert.equal(full.progress_pct, 40.5);
});

test("field errors read as lines without the body prefix", () => {
  assert.deepEqual(fieldErrors([{ field: "body.budget_idr", message: "too big" }, { field: "geometry", message: "outside the city" }]), ["budget_idr: too big", "geometry: outside the city"]);
  assert.deepEqual(fieldErrors(undefined), []);
});
