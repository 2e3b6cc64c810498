// The editor's words and numbers: the attribute form to and from the API's properties, lengths,
// the diff and the draft's effect in one line, the message of a failed save. No DOM here.

export const DEFAULTS = Object.freeze({
  code: "", name: "", direction: 0, origin: "", destination: "", colour: "#e8731a",
  fare_idr: 4000, headway_s: 600, speed_kmh: 20, active: true, circular: false,
});

const HEX = /^#[0-9a-f]{6}$/i;

/** The form's values (strings and booleans, headway in minutes) of a route's properties. */
export function formValues(props) {
  const p = { ...DEFAULTS, ...(props || {}) };
  const colour = HEX.test(String(p.colour || "")) ? String(p.colour).toLowerCase() : DEFAULTS.colour;
  return {
    code: String(p.code ?? ""),
    name: String(p.name ?? ""),
    direction: String(Number(p.direction) === 1 ? 1 : 0),
    origin: String(p.origin ?? ""),
    destination: String(p.destination ?? ""),
    colour,
    fare_idr: p.fare_idr === null || p.fare_idr === undefined ? "" : String(p.fare_idr),
    headway_min: p.headway_s === null || p.headway_s === undefined ? "" : String(Math.round((Number(p.headway_s) / 60) * 10) / 10),
    speed_kmh: p.speed_kmh === null || p.speed_kmh === undefined ? "" : String(p.speed_kmh),
    active: Boolean(p.active),
    circular: Boolean(p.circular),
  };
}

const number = (text) => {
  const s = String(text ?? "").trim().replace(",", ".");
  if (s === "") return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : NaN;
};

/**
 * The API's properties from the form's values, or the fields that are wrong.
 * Returns {properties, errors: [{field, key}]} (key: an i18n key saying what is wrong).
 */
export function propertiesFrom(values) {
  const errors = [];
  const code = String(values.code ?? "").trim();
  const name = String(values.name ?? "").trim();
  if (!code) errors.push({ field: "code", key: "edNeedCode" });
  if (!name) errors.push({ field: "name", key: "edNeedName" });
  const colour = String(values.colour ?? "").trim();
  if (!HEX.test(colour)) errors.push({ field: "colour", key: "edBadColour" });
  const fare = number(values.fare_idr);
  if (fare === null || Number.isNaN(fare) || fare < 0 || !Number.isInteger(fare)) errors.push({ field: "fare_idr", key: "edBadFare" });
  const headway = number(values.headway_min);
  if (headway === null || Number.isNaN(headway) || headway <= 0 || headway > 240) errors.push({ field: "headway_min", key: "edBadHeadway" });
  const speed = number(values.speed_kmh);
  if (speed === null || Number.isNaN(speed) || speed <= 0 || speed > 80) errors.push({ field: "speed_kmh", key: "edBadSpeed" });
  return {
    errors,
    properties: {
      code,
      name,
      direction: Number(values.direction) === 1 ? 1 : 0,
      origin: String(values.origin ?? "").trim() || null,
      destination: String(values.destination ?? "").trim() || null,
      colour: colour.toLowerCase(),
      fare_idr: fare,
      headway_s: headway === null || Number.isNaN(headway) ? null : Math.round(headway * 60),
      speed_kmh: speed,
      active: Boolean(values.active),
      circular: Boolean(values.circular),
    },
  };
}

/** The route id and head version of an ETag ('"r12v5"' → {id: 12, head: 5}), else null. */
export function parseEtag(etag) {
  const m = /^(?:W\/)?"r(\d+)v(\d+)"$/.exec(String(etag ?? "").trim());
  return m ? { id: Number(m[1]), head: Number(m[2]) } : null;
}

/** "850 m", "8,1 km" (Bahasa) / "8.1 km" (English). */
export function formatLength(m, lang = "id") {
  const v = m === null || m === undefined || m === "" ? NaN : Number(m);
  if (!Number.isFinite(v)) return "–";
  if (Math.abs(v) < 1000) return `${Math.round(v)} m`;
  return `${(v / 1000).toLocaleString(lang === "en" ? "en-GB" : "id-ID", { maximumFractionDigits: 1, minimumFractionDigits: 1 })} km`;
}

/** "12,5%" / "12.5%" of a share 0..1. */
export function formatShare(share, lang = "id") {
  const v = Number(share);
  if (!Number.isFinite(v)) return "–";
  return `${(v * 100).toLocaleString(lang === "en" ? "en-GB" : "id-ID", { maximumFractionDigits: 1 })}%`;
}

const names = (list) => (list || []).map((k) => k?.name || k?.code).filter(Boolean);

/**
 * The diff of two versions in one line: "+420 m / −380 m · kelurahan baru: A, B · tidak lagi:
 * C · berubah: nama, warna". `t` is the translator (t.format, t.label).
 */
export function diffSummary(diff, t) {
  const lang = t.lang;
  const parts = [`+${formatLength(diff?.length_added_m ?? 0, lang)} / −${formatLength(diff?.length_removed_m ?? 0, lang)}`];
  const added = names(diff?.kelurahan_added);
  const removed = names(diff?.kelurahan_removed);
  if (added.length) parts.push(`${t("edKelurahanNew")}: ${added.join(", ")}`);
  if (removed.length) parts.push(`${t("edKelurahanGone")}: ${removed.join(", ")}`);
  const attrs = Object.keys(diff?.attributes || {});
  if (attrs.length) parts.push(`${t("edChanged")}: ${attrs.map((a) => t.label(a)).join(", ")}`);
  return parts.join(" · ");
}

/** The draft's effect: "melayani 12 pencarian · +3 kelurahan, +4,2 km² terlayani". */
export function impactSummary(served, preview, t) {
  const parts = [];
  if (served && Number.isFinite(Number(served.searches_served))) parts.push(t.format("edServes", { n: Number(served.searches_served) }));
  if (preview) {
    const plus = (preview.kelurahan_added || []).length;
    const minus = (preview.kelurahan_removed || []).length;
    const km2 = Number(preview.covered_km2_change) || 0;
    const area = `${km2 >= 0 ? "+" : "−"}${Math.abs(km2).toLocaleString(t.lang === "en" ? "en-GB" : "id-ID", { maximumFractionDigits: 1 })} km²`;
    let text = t.format("edCoverageChange", { plus, area });
    if (minus) text += ` · ${t.format("edCoverageLoss", { minus })}`;
    parts.push(text);
  }
  return parts.join(" · ");
}

/** The message of a failed write: {key, params} for the notice (412 names who saved meanwhile). */
export function saveFailure(error) {
  const p = error?.problem || {};
  switch (error?.status) {
    case 412:
      return {
        key: p.draft_version ? "edStaleKept" : "edStale",
        params: { who: p.saved_by || "?", version: p.draft_version ?? "?", head: p.head ?? "?" },
        stale: true,
      };
    case 428: return { key: "edNeedVersion" };
    case 422: return { key: "edInvalid", list: (p.errors || []).map((e) => e.message).filter(Boolean) };
    case 401: return { key: "sessionEnded" };
    case 403: return { key: "edForbidden" };
    case 0: return { key: "networkError" };
    default: return { key: "edSaveFailed", detail: error?.message || "" };
  }
}

/** What the signed-in user may do here: {edit, review} from the user's roles (admin: both). */
export function editorAccess(user) {
  const roles = new Set((user?.roles || []).map((g) => g.role));
  const review = roles.has("dishub_reviewer") || roles.has("admin");
  return { edit: review || roles.has("dishub"), review };
}

/** The routes list filtered by a search text (code or name, any case), as the server does too. */
export function matchRoute(route, q) {
  const needle = String(q || "").trim().toLowerCase();
  if (!needle) return true;
  return `${route.code || ""} ${route.name || ""}`.toLowerCase().includes(needle);
}

/** Whether a date window (YYYY-MM-DD, either may be empty) is one the demand API answers: null
 * when it is, else the i18n key saying why not (start after end, longer than 366 days). */
export function windowProblem(from, to) {
  const day = (s) => (s ? Date.parse(`${s}T00:00:00Z`) : null);
  const a = day(from);
  const b = day(to);
  if ((from && Number.isNaN(a)) || (to && Number.isNaN(b))) return "edBadWindow";
  if (a !== null && b !== null) {
    if (a > b) return "edBadWindow";
    if ((b - a) / 86400000 > 366) return "edLongWindow";
  }
  return null;
}
