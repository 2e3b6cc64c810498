import { test } from "node:test";
import assert from "node:assert/strict";
import { loginFailure, messageForError, opdCodes, retryMinutes, roleKeys, safeNext } from "../js/auth.js";
import { translator } from "../js/i18n.js";

test("retryMinutes rounds Retry-After seconds up to whole minutes, at least one", () => {
  assert.equal(retryMinutes("900"), 15);
  assert.equal(retryMinutes("61"), 2);
  assert.equal(retryMinutes("1"), 1);
  assert.equal(retryMinutes("0"), 1);
  assert.equal(retryMinutes(null), null);
  assert.equal(retryMinutes(""), null);
  assert.equal(retryMinutes("soon"), null);
  const now = Date.parse("2026-12-01T10:00:00Z");
  assert.equal(retryMinutes("Tue, 01 Dec 2026 10:04:30 GMT", now), 5);
});

test("login failures read as the sentences of the catalogue", () => {
  const t = translator("id");
  const say = (m) => t.format(m.key, m.params || {});
  assert.equal(say(loginFailure(401)), "Nama pengguna atau kata sandi salah.");
  assert.equal(say(loginFailure(429, { retryAfter: "840" })), "Terlalu banyak percobaan. Coba lagi dalam 14 menit.");
  assert.equal(say(loginFailure(429)), "Terlalu banyak percobaan. Coba lagi dalam beberapa menit.");
  assert.equal(loginFailure(0).key, "networkError");
  assert.equal(loginFailure(500).key, "serverError");
  assert.equal(loginFailure(503).key, "serverError");
  assert.equal(loginFailure(404).key, "unknownCity");
  const invalid = loginFailure(422, { problem: { detail: "invalid value for: username" } });
  assert.deepEqual(invalid, { key: "checkFields", detail: "invalid value for: username" });
  const en = translator("en");
  assert.equal(en.format("throttled", { n: 3 }), "Too many attempts. Try again in 3 minutes.");
  assert.equal(en("badCredentials"), "Wrong username or password.");
});

test("the error codes of a form post's redirect map to the same messages", () => {
  assert.equal(messageForError(null), null);
  assert.equal(messageForError("invalid-credentials").key, "badCredentials");
  assert.deepEqual(messageForError("login-throttled", "120"), { key: "throttled", params: { n: 2 } });
  assert.equal(messageForError("city-not-found").key, "unknownCity");
  assert.equal(messageForError("invalid-input").key, "checkFields");
  assert.equal(messageForError("anything-else").key, "serverError");
});

test("safeNext keeps paths of this site and refuses other sites", () => {
  assert.equal(safeNext("/"), "/");
  assert.equal(safeNext("/?city=tangerang#13/-6.1/106.6"), "/?city=tangerang#13/-6.1/106.6");
  for (const bad of ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "", null, "/a\nb", "evil"]) {
    assert.equal(safeNext(bad), "/", String(bad));
  }
});

test("roles come highest first, each once, with OPD codes apart", () => {
  const user = {
    roles: [
      { role: "opd_staff", opd: "DISHUB", kecamatan: null },
      { role: "dishub", opd: null, kecamatan: null },
      { role: "opd_staff", opd: "DISHUB", kecamatan: "36.71.01" },
      { role: "admin_kota", opd: null, kecamatan: null },
    ],
  };
  assert.deepEqual(roleKeys(user), ["role_admin_kota", "role_dishub", "role_opd_staff"]);
  assert.deepEqual(opdCodes(user), ["DISHUB"]);
  assert.deepEqual(roleKeys(null), []);
  const t = translator("id");
  assert.equal(t("role_dishub"), "Perencana Dishub");
  assert.notEqual(t("role_opd_staff"), "role_opd_staff");
});

test("every account string exists in both languages", () => {
  const id = translator("id");
  const en = translator("en");
  const keys = ["login", "logout", "badCredentials", "throttled", "throttledLater", "serverError", "networkError",
    "role_warga", "role_dishub", "role_dishub_reviewer", "role_opd_staff", "role_inspektur", "role_admin_kota", "role_admin"];
  for (const key of keys) {
    assert.notEqual(id(key), key, key);
    assert.notEqual(en(key), id(key), key);
  }
});
