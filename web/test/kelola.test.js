// The staff workspace's pure helpers: class colours and legend, query strings, sorting, paging,
// amounts, step bodies, error messages, and the request sequencer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { NONE_COLOUR, classIndex, cleanBreaks, colourFor, legendRows, measureOf, palette } from "../js/kelola/classes.js";
import {
  aggregateQuery, groupThousands, lastTwelveMonths, listQuery, missingFields, nextSort, pageInfo, parseRupiah, staffAccess, transitionBody,
} from "../js/kelola/query.js";
import { allowedSteps, etagVersion, stepFailure } from "../js/kelola/api.js";
import { attrText, codeLabel, formatDate } from "../js/kelola/format.js";
import { translator } from "../js/i18n.js";
import { Sequencer } from "../js/sequence.js";

test("palettes go from light to dark, one colour per class", () => {
  for (let k = 1; k <= 9; k++) {
    const p = palette(k);
    assert.equal(p.length, k);
    assert.equal(new Set(p).size, k, `distinct colours for k=${k}`);
    for (const c of p) assert.match(c, /^#[0-9a-f]{6}$/);
  }
  assert.equal(palette(0).length, 1);
  assert.equal(palette(42).length, 9);
});

test("a value falls in the class whose upper bound it does not pass; 0 is drawn apart", () => {
  const breaks = [0, 2, 5, 10, 20];
  assert.deepEqual(cleanBreaks(breaks), [2, 5, 10, 20]);
  assert.equal(classIndex(0, breaks), -1);
  assert.equal(classIndex(1, breaks), 0);
  assert.equal(classIndex(2, breaks), 0);
  assert.equal(classIndex(3, breaks), 1);
  assert.equal(classIndex(10, breaks), 2);
  assert.equal(classIndex(11, breaks), 3);
  assert.equal(classIndex(99, breaks), 3, "above the last break: the last class");
  assert.equal(colourFor(0, breaks), NONE_COLOUR);
  assert.equal(colourFor(7, breaks), palette(4)[2]);
  assert.equal(colourFor(5, []), NONE_COLOUR, "no classes: nothing to colour by");
  assert.equal(classIndex(3, [5, 5, "x", 2, 9]), 0, "repeated, unordered and odd breaks are dropped");
});

test("the legend names each class's range and its colour, counts as whole numbers", () => {
  const rows = legendRows([0, 2, 5, 6, 20], "count", "id", "Tidak ada");
  assert.deepEqual(rows.map((r) => r.label), ["Tidak ada", "1–2", "3–5", "6", "7–20"]);
  assert.deepEqual(rows.map((r) => r.colour), [NONE_COLOUR, ...palette(4)]);
  // each legend colour is the colour of the values in its range
  assert.equal(colourFor(4, [0, 2, 5, 6, 20]), rows[2].colour);
  const dens = legendRows([0.5, 1.25], "per_km2", "id");
  assert.deepEqual(dens.map((r) => r.label), ["0", "> 0,0 – 0,5", "> 0,5 – 1,3"]);
  assert.deepEqual(legendRows([0.5, 1.25], "per_km2", "en").map((r) => r.label).slice(1), ["> 0.0 – 0.5", "> 0.5 – 1.3"]);
  assert.deepEqual(legendRows([], "count").map((r) => r.label), ["0"]);
  assert.equal(measureOf({ count: 4, per_km2: 1.5 }, "count"), 4);
  assert.equal(measureOf({ count: 4, per_km2: 1.5 }, "per_km2"), 1.5);
  assert.equal(measureOf({}, "count"), 0);
});

test("query strings carry only the filters that are set", () => {
  const f = { type: "bantuan", status: ["diajukan", "evaluasi"], from: "2026-01-01", to: "2026-12-31", opd: " kesra ", measure: "count" };
  assert.equal(
    listQuery(f, { kelurahan: "3671011001", sort: "title", offset: 50 }),
    "?type=bantuan&status=diajukan%2Cevaluasi&from=2026-01-01&to=2026-12-31&opd=KESRA&kelurahan=3671011001&sort=title&limit=50&offset=50",
  );
  assert.equal(listQuery({}, {}), "?limit=50", "the default sort (-created_at) is the server's");
  assert.equal(listQuery({ from: "1 Jan" }, { q: "  SBK-7K  ", overdue: true }), "?q=SBK-7K&overdue=true&limit=50", "odd dates are not sent");
  assert.equal(aggregateQuery(f, { measure: "per_km2" }), "?type=bantuan&status=diajukan%2Cevaluasi&from=2026-01-01&to=2026-12-31&opd=KESRA&measure=per_km2");
  assert.equal(aggregateQuery({}, { measure: "<script>" }), "?measure=count");
  assert.equal(listQuery({}, { q: "a&b=c" }), "?q=a%26b%3Dc&limit=50", "text is encoded, never spliced");
});

test("the default range is the last twelve months, today included", () => {
  assert.deepEqual(lastTwelveMonths(new Date("2026-12-02T05:00:00Z")), { from: "2025-12-03", to: "2026-12-02" });
  assert.deepEqual(lastTwelveMonths(new Date("2024-03-01T05:00:00Z")), { from: "2023-03-02", to: "2024-03-01" });
  // 19:30 UTC on 2 December is 02:30 WIB on 3 December: the city's today, whatever the browser's clock
  assert.deepEqual(lastTwelveMonths(new Date("2026-12-02T19:30:00Z")), { from: "2025-12-04", to: "2026-12-03" });
});

test("sorting: the same column flips, a new one starts ascending (dates newest first)", () => {
  assert.equal(nextSort("-created_at", "created_at"), "created_at");
  assert.equal(nextSort("created_at", "created_at"), "-created_at");
  assert.equal(nextSort("-created_at", "title"), "title");
  assert.equal(nextSort("title", "title"), "-title");
  assert.equal(nextSort("title", "status_changed_at"), "-status_changed_at");
});

test("pages of 50 with the rows they show", () => {
  assert.deepEqual(pageInfo(0, 0), { page: 1, pages: 1, first: 0, last: 0, hasPrev: false, hasNext: false });
  assert.deepEqual(pageInfo(120, 50), { page: 2, pages: 3, first: 51, last: 100, hasPrev: true, hasNext: true });
  assert.deepEqual(pageInfo(120, 100), { page: 3, pages: 3, first: 101, last: 120, hasPrev: true, hasNext: false });
});

test("amounts in rupiah: thousands grouped while typing, read back as whole numbers", () => {
  assert.equal(groupThousands("25000000"), "25.000.000");
  assert.equal(groupThousands("Rp 1.234.5x67"), "1.234.567");
  assert.equal(groupThousands("007"), "7");
  assert.equal(groupThousands(""), "");
  assert.equal(parseRupiah("Rp 25.000.000"), 25000000);
  assert.equal(parseRupiah("abc"), null);
  assert.equal(parseRupiah("99999999999999999999"), null, "not a safe integer");
});

test("a step's body keeps the fields that are filled, and names those still missing", () => {
  const body = transitionBody("tetapkan", { public_note: "  Disetujui  ", internal_note: "", approved_amount_idr: "20.000.000", junk: "x" });
  assert.deepEqual(body, { transition: "tetapkan", public_note: "Disetujui", approved_amount_idr: 20000000 });
  assert.deepEqual(missingFields(["approved_amount_idr"], body), []);
  assert.deepEqual(missingFields(["berita_acara", "public_note"], transitionBody("x", {})), ["berita_acara", "public_note"]);
});

test("who may use the workspace: OPD staff, school staff and city admins", () => {
  assert.deepEqual(staffAccess({ roles: [{ role: "opd_staff", opd: "KESRA" }] }), { staff: true, admin: false, opds: ["KESRA"], schools: [] });
  assert.deepEqual(staffAccess({ roles: [{ role: "admin_kota" }] }), { staff: true, admin: true, opds: [], schools: [] });
  assert.deepEqual(staffAccess({ roles: [{ role: "sekolah", npsn: "20600001" }] }), { staff: true, admin: false, opds: [], schools: ["20600001"] });
  assert.deepEqual(staffAccess({ roles: [{ role: "dishub" }] }), { staff: false, admin: false, opds: [], schools: [] });
  assert.deepEqual(staffAccess(null), { staff: false, admin: false, opds: [], schools: [] });
});

test("ETags, 409 answers and step failures read plainly", () => {
  assert.equal(etagVersion('"v12"'), 12);
  assert.equal(etagVersion('W/"v3"'), 3);
  assert.equal(etagVersion("abc"), null);
  const problem = { status: 409, errors: [{ field: "transition", message: "allowed: lolos_verifikasi, minta_perbaikan" }] };
  assert.deepEqual(allowedSteps(problem), ["lolos_verifikasi", "minta_perbaikan"]);
  assert.deepEqual(allowedSteps({ errors: [{ message: "allowed: none" }] }), []);
  assert.equal(stepFailure({ status: 412 }).key, "staleVersion");
  assert.equal(translator("id")(stepFailure({ status: 412 }).key), "Pengajuan ini baru saja diubah oleh petugas lain; muat ulang");
  assert.deepEqual(stepFailure({ status: 409, problem }).params, { allowed: "lolos_verifikasi, minta_perbaikan" });
  assert.equal(stepFailure({ status: 428 }).key, "needVersion");
  assert.equal(stepFailure({ status: 422, message: "'tetapkan' needs: approved_amount_idr" }).detail, "'tetapkan' needs: approved_amount_idr");
});

test("codes read as labels in either language, the server's label or the code otherwise", () => {
  const id = translator("id");
  const en = translator("en");
  assert.equal(codeLabel(id, "status", "verifikasi_dokumen"), "Verifikasi dokumen");
  assert.equal(codeLabel(en, "status", "verifikasi_dokumen"), "Document check");
  assert.equal(codeLabel(id, "status", "baru_sekali", "Baru sekali"), "Baru sekali");
  assert.equal(codeLabel(id, "status", "baru_sekali"), "baru_sekali");
  assert.equal(codeLabel(id, "step", "lolos_verifikasi"), "Lolos verifikasi");
  assert.equal(attrText(id, "amount_requested_idr", 25000000), "Rp 25.000.000");
  assert.equal(attrText(id, "purpose", "<b>x</b>"), "<b>x</b>");
  assert.equal(attrText(id, "kind", "bansos"), "Bantuan sosial");
  assert.equal(attrText(en, "organisation_kind", "masjid_musala"), "Mosque/prayer room");
  assert.equal(attrText(id, "organisation_kind", "baru"), "baru", "an unknown code shows as it is");
  assert.equal(formatDate("2026-12-01T17:30:00Z", "id", true).replace(/\s/g, " "), "2 Des 2026, 00.30");
  assert.equal(formatDate("not a date"), "–");
});

test("every workspace string exists in Bahasa and in English", () => {
  const source = readFileSync(new URL("../js/i18n.js", import.meta.url), "utf8");
  const [, idPart, enPart] = source.split(/\n  (?:id|en): \{/);
  const keysOf = (part) => new Set([...part.matchAll(/^ {4}(\w+):/gm)].map((m) => m[1]));
  const ids = keysOf(idPart.split("\n  },")[0]);
  const ens = keysOf(enPart.split("\n  },")[0]);
  assert.deepEqual([...ids].filter((k) => !ens.has(k)), []);
  assert.deepEqual([...ens].filter((k) => !ids.has(k)), []);
});

test("the sequencer uses only the newest answer of a slot", async () => {
  const seq = new Sequencer();
  const gates = [];
  const job = (value) => (signal) => new Promise((resolve) => gates.push({ resolve: () => resolve(value), signal }));
  const first = seq.run("table", job("old"));
  const second = seq.run("table", job("new"));
  const other = seq.run("map", job("map"));
  await Promise.resolve();
  assert.equal(gates[0].signal.aborted, true, "the older job is told to stop");
  assert.equal(gates[1].signal.aborted, false);
  assert.ok(seq.pending("table"));
  gates[1].resolve();
  gates[0].resolve(); // the older answer arrives last
  gates[2].resolve();
  assert.deepEqual(await second, { current: true, value: "new" });
  assert.deepEqual(await first, { current: false });
  assert.deepEqual(await other, { current: true, value: "map" }, "slots are independent");
  assert.ok(!seq.pending("table"));
});

test("the sequencer drops an older job's error and throws the newest one's", async () => {
  const seq = new Sequencer();
  let failOld;
  const old = seq.run("detail", () => new Promise((_, reject) => { failOld = reject; }));
  const fresh = seq.run("detail", async () => {
    throw new Error("boom");
  });
  await assert.rejects(fresh, /boom/);
  failOld(new Error("late"));
  assert.deepEqual(await old, { current: false });
  const cancelled = seq.run("detail", () => new Promise((resolve) => setTimeout(() => resolve(1), 5)));
  seq.cancel("detail");
  assert.deepEqual(await cancelled, { current: false });
});

test("the workspace's modules never parse HTML and hand Leaflet elements, not strings", () => {
  const dir = new URL("../js/kelola/", import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith(".js"));
  assert.ok(files.length >= 6);
  for (const file of files) {
    const text = readFileSync(new URL(file, dir), "utf8");
    assert.doesNotMatch(text, /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser)\b/, file);
    assert.doesNotMatch(text, /setAttribute\(\s*["']style["']|\.cssText\b/, file);
    for (const m of text.matchAll(/\.(bindPopup|bindTooltip|setTooltipContent)\((.*)$/gm)) {
      assert.match(m[2].trim(), /^(el\(|\(\) =>|\w+ =>)/, `${file}: ${m[0]}`);
    }
  }
});

test("the workspace page uses index.html's import map byte for byte (the CSP allows it by hash)", () => {
  const importMap = (name) => /<script type="importmap">([\s\S]*?)<\/script>/.exec(readFileSync(new URL(`../${name}`, import.meta.url), "utf8"))[1];
  assert.equal(importMap("kelola.html"), importMap("index.html"));
  const page = readFileSync(new URL("../kelola.html", import.meta.url), "utf8");
  for (const [, attrs, body] of page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/importmap/.test(attrs)) continue;
    assert.match(attrs, /\bsrc=/);
    assert.equal(body.trim(), "");
  }
  assert.doesNotMatch(page, /\son\w+=|\sstyle=/i, "no inline handlers or styles");
});

test("the status filter lists the facets' states once each, in workflow order", async () => {
  const { facetStatuses } = await import("../js/kelola/filters.js");
  const types = [
    { code: "bantuan", states: [{ code: "diajukan" }, { code: "evaluasi" }, { code: "selesai" }] },
    { code: "saran", states: [{ code: "diterima" }, { code: "selesai" }] },
  ];
  assert.deepEqual(facetStatuses(types), ["diajukan", "evaluasi", "selesai", "diterima"]);
  assert.deepEqual(facetStatuses([]), []);
  assert.deepEqual(facetStatuses(undefined), []);
});
