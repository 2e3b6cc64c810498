// The Ajukan form's rules (web/js/ajukan/rules.js) and the guards of its modules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import {
  AID_FIELDS, SARAN_FIELDS, allowsLine, buildRequest, checkFile, checkValue, fieldsFor, formatAmount, formatDate, missingDocuments,
  parseAmount, placeGeometry, problemFields, setPath, trackUrl, windowMessage,
} from "../js/ajukan/rules.js";

const LIMITS = {
  "attrs.organisation": { minLength: 1, maxLength: 200, required: true, type: "string" },
  "attrs.organisation_kind": { enum: ["yayasan", "lainnya"], required: true },
  "attrs.purpose": { minLength: 1, maxLength: 2000, required: true },
  "attrs.amount_requested_idr": { minimum: 1, maximum: 100000000000, required: true, type: "integer" },
  "private.chair.name": { minLength: 1, maxLength: 200, required: true },
  "private.chair.nik": { pattern: "^[0-9]{16}$", required: true },
  "private.chair.phone": { pattern: "^\\+?[0-9 \\-]{8,20}$", required: false },
  "contact.name": { minLength: 1, maxLength: 200, required: true },
  "contact.email": { pattern: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", required: false },
};
const SERVICE = {
  type: "bantuan", kind_field: "kind", limits: LIMITS, max_file_bytes: 1000,
  accepted_media_types: ["application/pdf", "image/jpeg", "image/png"],
  documents: [{ slot: "proposal", label: { id: "Proposal" }, required: true }, { slot: "npwp", label: { id: "NPWP" }, required: true }, { slot: "izin", label: { id: "Izin" }, required: false }],
};

test("amounts get Indonesian thousand separators and read back as integers", () => {
  assert.equal(formatAmount("25000000"), "25.000.000");
  assert.equal(formatAmount("Rp 1.234x5"), "12.345");
  assert.equal(formatAmount("000"), "0");
  assert.equal(formatAmount(""), "");
  assert.equal(parseAmount("25.000.000"), 25000000);
  assert.equal(parseAmount("abc"), null);
});

test("values are checked against the server's limits", () => {
  const nik = AID_FIELDS.find((f) => f.path === "private.chair.nik");
  const amount = AID_FIELDS.find((f) => f.path === "attrs.amount_requested_idr");
  assert.deepEqual(checkValue(nik, "12345", LIMITS[nik.path]), { key: "errNik" });
  assert.equal(checkValue(nik, "9901014507900001", LIMITS[nik.path]), null);
  assert.deepEqual(checkValue(nik, null, LIMITS[nik.path]), { key: "errRequired" });
  assert.deepEqual(checkValue(amount, 0, LIMITS[amount.path]), { key: "errMin", params: { n: "1" } });
  assert.deepEqual(checkValue(amount, 10 ** 15, LIMITS[amount.path]), { key: "errMax", params: { n: "100.000.000.000" } });
  assert.deepEqual(checkValue({ input: "text" }, "x".repeat(201), { maxLength: 200 }), { key: "errTooLong", params: { n: 200 } });
  assert.deepEqual(checkValue({ input: "select" }, "gereja", { enum: ["yayasan"] }), { key: "errChoose" });
  assert.deepEqual(checkValue({ input: "tel" }, "12", LIMITS["private.chair.phone"]), { key: "errPhone" });
  assert.equal(checkValue({ input: "tel" }, null, LIMITS["private.chair.phone"]), null);
});

test("the request body is built at the right paths, empty values left out", () => {
  const values = {
    "attrs.organisation": " Yayasan Uji ", "attrs.organisation_kind": "yayasan", "attrs.purpose": "Renovasi",
    "attrs.amount_requested_idr": "25.000.000", "private.chair.name": "Siti", "private.chair.nik": "9901014507900001",
    "private.chair.phone": "", "contact.name": "Siti",
  };
  const { errors, body } = buildRequest(SERVICE, "hibah", values, { lon: 106.6, lat: -6.2 });
  assert.deepEqual(errors, {});
  assert.deepEqual(body.geometry, { type: "Point", coordinates: [106.6, -6.2] });
  assert.equal(body.attrs.kind, "hibah");
  assert.equal(body.attrs.organisation, "Yayasan Uji");
  assert.equal(body.attrs.amount_requested_idr, 25000000);
  assert.deepEqual(body.private.chair, { name: "Siti", nik: "9901014507900001" });
  const bad = buildRequest(SERVICE, "hibah", { ...values, "private.chair.nik": "123" }, null);
  assert.deepEqual(Object.keys(bad.errors), ["private.chair.nik"]);
  assert.deepEqual(setPath({}, "a.b.c", 1), { a: { b: { c: 1 } } });
});

test("files are checked for size and type before upload; missing documents are listed", () => {
  assert.equal(checkFile({ name: "a.pdf", size: 10, type: "application/pdf" }, SERVICE), null);
  assert.equal(checkFile({ name: "a.PNG", size: 10, type: "" }, SERVICE), null);
  assert.equal(checkFile({ name: "a.exe", size: 10, type: "application/x-msdownload" }, SERVICE).key, "errFileType");
  assert.equal(checkFile({ name: "a.pdf", size: 5000, type: "application/pdf" }, SERVICE).key, "errFileTooLarge");
  assert.equal(checkFile({ name: "a.pdf", size: 0, type: "application/pdf" }, SERVICE).key, "errFileEmpty");
  assert.deepEqual(missingDocuments(SERVICE, { proposal: {} }).map((d) => d.slot), ["npwp"]);
});

test("windows and dates read in Bahasa first", () => {
  assert.equal(formatDate("2027-01-01"), "1 Januari 2027");
  assert.equal(formatDate("2027-03-31", "en"), "31 March 2027");
  assert.deepEqual(windowMessage({ open: true, opens_on: null, closes_on: null }), { key: "windowAlways" });
  assert.deepEqual(windowMessage({ open: true, opens_on: "2027-01-01", closes_on: "2027-03-31" }), { key: "windowOpenUntil", params: { date: "31 Maret 2027" } });
  assert.deepEqual(windowMessage({ open: false, opens_on: "2027-01-01", closes_on: "2027-03-31" }).params, { opens: "1 Januari 2027", closes: "31 Maret 2027" });
});

test("problem+json field errors go to their fields, documents and the rest", () => {
  const split = problemFields({
    errors: [{ field: "attrs.amount_requested_idr", message: "too big" }, { field: "documents.npwp", message: "required document" }, { field: "geometry", message: "outside the city" }],
  }, ["attrs.amount_requested_idr"]);
  assert.deepEqual(split.fields, { "attrs.amount_requested_idr": "too big" });
  assert.deepEqual(split.documents, { npwp: "required document" });
  assert.deepEqual(split.general, ["geometry: outside the city"]);
  assert.equal(trackUrl("SBK-AB CD", "http://x"), "http://x/lacak?kode=SBK-AB%20CD");
});

test("the Ajukan modules build no HTML from strings and set no inline style", () => {
  const dir = new URL("../js/ajukan/", import.meta.url);
  const files = [...readdirSync(dir).map((f) => new URL(f, dir)), new URL("../js/lacak.js", import.meta.url)];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    assert.doesNotMatch(text, /\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser)\b/, file.pathname);
    assert.doesNotMatch(text, /setAttribute\(\s*["']style["']|\.cssText\b|\bhtml\s*:\s*[`"']/, file.pathname);
  }
  const page = readFileSync(new URL("../lacak.html", import.meta.url), "utf8");
  assert.doesNotMatch(page, /<script\b[^>]*>\s*[^<\s]/);
  assert.doesNotMatch(page, /\son[a-z]+\s*=|\sstyle\s*=/i);
});

test("every string the Ajukan flow and Lacak ask for exists in Bahasa and in English", async () => {
  const { translator } = await import("../js/i18n.js");
  const dir = new URL("../js/ajukan/", import.meta.url);
  const files = [...readdirSync(dir).map((f) => new URL(f, dir)), new URL("../js/lacak.js", import.meta.url)];
  const keys = new Set();
  for (const file of files) {
    for (const m of readFileSync(file, "utf8").matchAll(/\bt\(\s*"([A-Za-z_]+)"/g)) keys.add(m[1]);
  }
  for (const m of readFileSync(new URL("../js/ajukan/rules.js", import.meta.url), "utf8").matchAll(/key: "([A-Za-z]+)"|label: "([A-Za-z]+)"|group: "([A-Za-z]+)"/g)) {
    keys.add(m[1] || m[2] || m[3]);
  }
  assert.ok(keys.size > 30, `found ${keys.size} keys`);
  // each language's own table (the translator falls back to Bahasa, which would hide a gap)
  const source = readFileSync(new URL("../js/i18n.js", import.meta.url), "utf8");
  const tables = { id: source.slice(source.indexOf("  id: {"), source.indexOf("  en: {")), en: source.slice(source.indexOf("  en: {"), source.indexOf("// Property names")) };
  for (const [lang, table] of Object.entries(tables)) {
    const missing = [...keys].filter((k) => !new RegExp(`^\\s+${k}: "`, "m").test(table));
    assert.deepEqual(missing, [], lang);
  }
  const id = translator("id");
  const en = translator("en");
  assert.notEqual(id("nearbySome"), en("nearbySome"));
});

const SARAN = {
  type: "saran_transport", kind_field: "kind", contact_required: false, geometry_types: ["LineString", "Point"], documents: [],
  limits: {
    "attrs.note": { minLength: 1, maxLength: 1000, required: true },
    "contact.name": { minLength: 1, maxLength: 200, required: true },
    "contact.phone": { pattern: "^\\+?[0-9 \\-]{8,20}$", required: false },
    "contact.email": { pattern: "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", required: false },
  },
};

test("a transport suggestion: its own fields, a line from -> to, and an optional contact", () => {
  assert.equal(fieldsFor(SARAN), SARAN_FIELDS);
  assert.equal(fieldsFor(SERVICE), AID_FIELDS);
  assert.ok(allowsLine(SARAN));
  assert.ok(!allowsLine(SERVICE));
  const from = { lon: 106.63, lat: -6.17 };
  const to = { lon: 106.65, lat: -6.19 };
  assert.deepEqual(placeGeometry(from, to), { type: "LineString", coordinates: [[106.63, -6.17], [106.65, -6.19]] });
  assert.deepEqual(placeGeometry(from), { type: "Point", coordinates: [106.63, -6.17] });
  const anonymous = buildRequest(SARAN, "butuh_trayek", { "attrs.note": " Butuh angkot ke pasar " }, from, SARAN_FIELDS, to);
  assert.deepEqual(anonymous.errors, {});
  assert.deepEqual(anonymous.body.attrs, { kind: "butuh_trayek", note: "Butuh angkot ke pasar" });
  assert.equal(anonymous.body.geometry.type, "LineString");
  assert.equal("contact" in anonymous.body, false);  // no contact given: none sent
  // once a contact field is filled the contact is checked (a name is then needed)
  const half = buildRequest(SARAN, "ngetem", { "attrs.note": "x", "contact.phone": "0812 1111 2222" }, from, SARAN_FIELDS);
  assert.deepEqual(Object.keys(half.errors), ["contact.name"]);
  const empty = buildRequest(SARAN, "ngetem", {}, from, SARAN_FIELDS);
  assert.deepEqual(Object.keys(empty.errors), ["attrs.note"]);
  const aid = buildRequest(SERVICE, "hibah", {}, from);
  assert.ok("contact.name" in aid.errors);  // aid proposals still require their contact
});
