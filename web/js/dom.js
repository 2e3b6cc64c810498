// Safe DOM building: text from data only ever becomes text nodes, never HTML (no innerHTML).

/**
 * A new element: `el("li", { class: "x" }, "text", child, ...)`.
 * attrs: `class`, `style` (an object set through element.style, which the CSP allows),
 * `dataset` (an object), any other attribute by name; null/undefined/false values are left out.
 * Event-handler attributes (`on...`) are refused. Children: strings and numbers become text
 * nodes, nodes are appended, null/undefined/false are skipped, arrays are flattened.
 */
export function el(tag, attrs = null, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (/^on/i.test(key)) throw new Error(`el(): refusing event attribute ${key}`);
    if (key === "class") node.className = String(value);
    else if (key === "style") for (const [prop, v] of Object.entries(value)) node.style[prop] = String(v);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  return append(node, ...children);
}

/** Append children to `node` as el() does (text stays text); returns `node`. */
export function append(node, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replace the children of `node` (text stays text); returns `node`. */
export function setChildren(node, ...children) {
  node.replaceChildren();
  return append(node, ...children);
}
