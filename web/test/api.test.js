import { test } from "node:test";
import assert from "node:assert/strict";
import { problemMessage } from "../js/api.js";
import { pickLang, translator } from "../js/i18n.js";

test("problemMessage uses detail and lists field errors", () => {
  const msg = problemMessage({
    title: "Unprocessable Entity",
    detail: "invalid value for: bbox",
    errors: [{ field: "bbox", message: "needs 4 numbers" }],
  });
  assert.equal(msg, "invalid value for: bbox (bbox: needs 4 numbers)");
});

test("problemMessage falls back to the title, then to the fallback", () => {
  assert.equal(problemMessage({ title: "Not Found" }), "Not Found");
  assert.equal(problemMessage(null, "x"), "x");
});

test("pickLang defaults to Bahasa Indonesia and keeps a stored choice", () => {
  assert.equal(pickLang(null), "id");
  assert.equal(pickLang("fr"), "id");
  assert.equal(pickLang("en"), "en");
});

test("translator falls back to Indonesian then to the key", () => {
  const t = translator("en");
  assert.equal(t("demoBadge"), "Demo data");
  assert.equal(t("nope"), "nope");
});
