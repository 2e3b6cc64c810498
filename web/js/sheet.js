// The panel as a bottom sheet on phones (peek / half / full), and the "set point" tap mode.
// On a desktop the panel is the left column and the sheet does nothing.

const STATES = ["peek", "half", "full"];
const PHONE = "(max-width: 700px)";

/** The next state of the sheet when its handle is tapped: peek → half → full → peek. */
export function nextState(state) {
  return STATES[(STATES.indexOf(state) + 1) % STATES.length];
}

export class BottomSheet {
  constructor(panel, handle, toggle, t) {
    this.panel = panel;
    this.handle = handle;
    this.toggle = toggle;
    this.set("peek");
    handle.addEventListener("click", () => this.set(nextState(this.state)));
    toggle.addEventListener("click", () => this.set(this.state === "full" ? "peek" : "full"));
    // typing in the panel needs room (the list of places under the box)
    panel.addEventListener("focusin", (e) => {
      if (this.phone() && e.target.matches("input[type=search]") && this.state === "peek") this.set("half");
    });
    this.translate(t);
  }

  phone() {
    return window.matchMedia(PHONE).matches;
  }

  set(state) {
    this.state = state;
    this.panel.dataset.sheet = state;
    document.body.dataset.sheet = state;
    this.handle.setAttribute("aria-expanded", String(state !== "peek"));
    this.toggle.setAttribute("aria-expanded", String(state === "full"));
  }

  /** A result is on screen: on a phone the sheet stands at half, the card below, the map above. */
  shown() {
    if (this.phone()) this.set("half");
  }

  collapse() {
    if (this.phone()) this.set("peek");
  }

  /** Extra fitBounds padding so what is fitted stays above the sheet (phones). */
  fitPadding() {
    if (!this.phone()) return {};
    const covered = Math.max(0, window.innerHeight - this.panel.getBoundingClientRect().top);
    return { paddingTopLeft: [50, 80], paddingBottomRight: [30, Math.min(covered + 20, window.innerHeight * 0.6)] };
  }

  translate(t) {
    this.handle.setAttribute("aria-label", t("sheetHandle"));
  }
}

/** Turn the "set point" mode on or off: while on, taps go to the map (not to markers). */
export function setPointMode(on, t) {
  document.body.dataset.setpoint = on ? "true" : "false";
  const button = document.getElementById("set-point");
  if (!button) return;
  button.setAttribute("aria-pressed", String(on));
  button.textContent = t(on ? "setPointOn" : "setPointOff");
  button.hidden = document.body.dataset.tab === "layers" || !document.body.dataset.tab;
}
