import { test } from "node:test";
import assert from "node:assert/strict";
import { append, el, setChildren } from "../js/dom.js";
import { installFakeDocument } from "./fakedom.js";

installFakeDocument();
const PAYLOADS = [
  `<img src=x onerror="document.title='XSS-FIRED'">`,
  "<script>window.__xss=1</script>",
  `"><svg onload="window.__xss=2">`,
];

test("el() turns every string child into a text node", () => {
  for (const payload of PAYLOADS) {
    const node = el("li", null, payload, el("span", { class: "kind" }, payload));
    assert.equal(node.tagName, "LI");
    assert.equal(node.textContent, payload + payload);
    assert.equal(node.childNodes[0].nodeType, 3);
    assert.deepEqual(node.children.map((c) => c.tagName), ["SPAN"]);
  }
});

test("el() sets class, style through element.style, dataset and plain attributes", () => {
  const node = el("span", { class: "chip", style: { background: "#ff0000" }, dataset: { layer: "x" }, id: "a", tabindex: 0, hidden: true });
  assert.equal(node.className, "chip");
  assert.equal(node.style.background, "#ff0000");
  assert.equal(node.getAttribute("style"), null);
  assert.equal(node.dataset.layer, "x");
  assert.equal(node.getAttribute("id"), "a");
  assert.equal(node.getAttribute("tabindex"), "0");
  assert.equal(node.getAttribute("hidden"), "");
  const skipped = el("span", { title: null, alt: undefined, hidden: false, style: null });
  assert.equal(skipped.attributes.size, 0);
});

test("el() refuses event-handler attributes", () => {
  assert.throws(() => el("img", { onerror: "alert(1)" }), /event attribute/);
  assert.throws(() => el("svg", { ONLOAD: "alert(1)" }), /event attribute/);
});

test("children: numbers become text, null and false are skipped, arrays are flattened", () => {
  const node = el("div", null, 3, null, false, undefined, ["a", ["b", el("i")]], 0);
  assert.equal(node.textContent, "3ab0");
  assert.equal(node.childNodes.length, 5);
});

test("append() and setChildren() keep text as text", () => {
  const node = el("ol", null, "old");
  append(node, PAYLOADS[1]);
  assert.equal(node.textContent, "old" + PAYLOADS[1]);
  setChildren(node, PAYLOADS[2], el("li", null, PAYLOADS[0]));
  assert.equal(node.textContent, PAYLOADS[2] + PAYLOADS[0]);
  assert.equal(node.childNodes.length, 2);
});
