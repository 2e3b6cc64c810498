// Guards against HTML built from strings coming back into web/: data must never be parsed as HTML,
// and the page must run under the Content-Security-Policy (no inline script or style).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";

const JS_DIR = new URL("../js/", import.meta.url);
const sources = readdirSync(JS_DIR).filter((f) => f.endsWith(".js")).map((f) => [f, readFileSync(new URL(f, JS_DIR), "utf8")]);
const page = readFileSync(new URL("../index.html", import.meta.url), "utf8");

function offenders(pattern) {
  return sources.flatMap(([file, text]) => text.split("\n").map((line, i) => [file, i + 1, line]).filter(([, , line]) => pattern.test(line)).map(([f, n, l]) => `${f}:${n}: ${l.trim()}`));
}

test("no module parses HTML from strings", () => {
  const found = offenders(/\b(innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment|document\.write|DOMParser)\b/);
  // dom.js only names innerHTML in its header comment
  assert.deepEqual(found.filter((l) => !l.startsWith("dom.js:1:")), []);
});

test("Leaflet popups, tooltips and icons get elements, never strings (Leaflet reads strings as HTML)", () => {
  const call = /\.(bindPopup|bindTooltip|setPopupContent|setTooltipContent)\(/;
  for (const line of offenders(call)) {
    const arg = line.split(call).at(-1).trim();
    assert.match(arg, /^(el\(|\(\) =>|\w+ =>)/, `an element, or a function making one: ${line}`);
  }
  assert.deepEqual(offenders(/\bhtml\s*:\s*[`"']/), []);
});

test("no inline style attributes from JS (the CSP blocks them; element.style is allowed)", () => {
  assert.deepEqual(offenders(/setAttribute\(\s*["']style["']|\.cssText\b|style=["'`$]/), []);
});

test("the page has no inline script except its import map, and no inline style", () => {
  const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
  for (const [, attrs, body] of scripts) {
    if (/type=["']?importmap/i.test(attrs)) continue;
    assert.match(attrs, /\bsrc=/, "inline <script>");
    assert.equal(body.trim(), "", "inline <script> body");
  }
  assert.doesNotMatch(page, /<style\b/i);
  assert.doesNotMatch(page, /\sstyle\s*=/i);
  assert.doesNotMatch(page, /\son[a-z]+\s*=/i);
});
