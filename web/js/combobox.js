// An accessible combobox: an <input role=combobox> and its <ul role=listbox> of options.
// ↑ ↓ move the active option, Enter picks it, Esc closes the list; the list closes on blur and
// when an option is picked, so it never stays over the buttons below it.
import { el } from "./dom.js";

/** The next active index after `key` in a list of `count` options (-1: none active). */
export function nextIndex(current, key, count) {
  if (!count) return -1;
  if (key === "ArrowDown") return current < count - 1 ? current + 1 : 0;
  if (key === "ArrowUp") return current > 0 ? current - 1 : count - 1;
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  return current;
}

let serial = 0;

export class Combobox {
  /**
   * input: the text box; list: the <ul> under it; onPick(option) when an option is chosen;
   * render(option) the children of its <li> (text only: dom.el()).
   */
  constructor(input, list, { onPick, render }) {
    this.input = input;
    this.list = list;
    this.onPick = onPick;
    this.render = render;
    this.options = [];
    this.active = -1;
    serial += 1;
    this.prefix = `${list.id || "cb"}-${serial}`;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    list.setAttribute("role", "listbox");
    input.addEventListener("keydown", (e) => this.key(e));
    // closed a moment after blur: the click that moved the focus lands where it was aimed
    input.addEventListener("blur", () => setTimeout(() => document.activeElement !== input && this.close(), 150));
    // mousedown (before blur) so a click picks the option before the list closes
    list.addEventListener("mousedown", (e) => e.preventDefault());
  }

  get open() {
    return this.options.length > 0;
  }

  show(options) {
    this.options = options;
    this.active = -1;
    this.list.replaceChildren(...options.map((option, i) => {
      const li = el("li", { role: "option", id: `${this.prefix}-${i}`, "aria-selected": "false" }, this.render(option));
      li.addEventListener("click", () => this.pick(i));
      return li;
    }));
    this.input.setAttribute("aria-expanded", String(this.open));
    this.input.removeAttribute("aria-activedescendant");
  }

  close() {
    if (!this.open && !this.list.childElementCount) return;
    this.show([]);
  }

  highlight(index) {
    this.active = index;
    [...this.list.children].forEach((li, i) => {
      li.setAttribute("aria-selected", String(i === index));
      li.classList.toggle("active", i === index);
    });
    if (index >= 0) {
      this.input.setAttribute("aria-activedescendant", `${this.prefix}-${index}`);
      this.list.children[index].scrollIntoView?.({ block: "nearest" });
    } else this.input.removeAttribute("aria-activedescendant");
  }

  pick(index) {
    const option = this.options[index];
    if (!option) return;
    this.close();
    this.onPick(option);
  }

  key(e) {
    if (e.key === "Escape") {
      if (this.open) e.preventDefault();
      this.close();
    } else if (["ArrowDown", "ArrowUp"].includes(e.key) && this.open) {
      e.preventDefault();
      this.highlight(nextIndex(this.active, e.key, this.options.length));
    } else if (e.key === "Enter" && this.open && this.active >= 0) {
      e.preventDefault();
      this.pick(this.active);
    }
  }
}
