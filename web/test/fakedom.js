// A tiny stand-in for the browser DOM, enough for the DOM-building helpers under node --test.
// Setting innerHTML/outerHTML throws: the helpers must never parse HTML.

class FakeText {
  constructor(text) {
    this.nodeType = 3;
    this.textContent = text;
  }
}

class FakeElement {
  constructor(tag) {
    this.nodeType = 1;
    this.tagName = tag.toUpperCase();
    this.childNodes = [];
    this.attributes = new Map();
    this.className = "";
    this.style = {};
    this.dataset = {};
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  appendChild(node) {
    if (!(node instanceof FakeElement || node instanceof FakeText)) throw new TypeError("not a node");
    this.childNodes.push(node);
    return node;
  }

  replaceChildren(...nodes) {
    this.childNodes = [];
    for (const n of nodes) this.appendChild(typeof n === "string" ? new FakeText(n) : n);
  }

  get children() {
    return this.childNodes.filter((n) => n instanceof FakeElement);
  }

  get textContent() {
    return this.childNodes.map((n) => n.textContent).join("");
  }

  set innerHTML(_value) {
    throw new Error("innerHTML must not be used");
  }

  set outerHTML(_value) {
    throw new Error("outerHTML must not be used");
  }

  /** Every descendant element with this tag name (lower case), depth first. */
  findAll(tag) {
    const out = [];
    for (const child of this.children) {
      if (child.tagName === tag.toUpperCase()) out.push(child);
      out.push(...child.findAll(tag));
    }
    return out;
  }
}

export function installFakeDocument() {
  globalThis.document = {
    createElement: (tag) => new FakeElement(tag),
    createTextNode: (text) => new FakeText(text),
  };
  return globalThis.document;
}

/** A wrapper element around `nodes` (as a list item would hold them). */
export function wrap(nodes) {
  const root = new FakeElement("div");
  for (const n of [nodes].flat()) root.appendChild(n);
  return root;
}
