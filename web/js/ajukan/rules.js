// The Ajukan form's rules, as pure functions: the same limits the server checks (from
// /cities/{city}/services), amounts with thousand separators, documents, and problem+json.

/** The fields of an aid proposal, in form order: the request path, the i18n key, the input. */
export const AID_FIELDS = [
  { group: "groupOrganisation", path: "attrs.organisation", label: "fOrganisation", input: "text", autocomplete: "organization" },
  { path: "attrs.organisation_kind", label: "fOrganisationKind", input: "select" },
  { path: "attrs.legal_status", label: "fLegalStatus", input: "text" },
  { path: "attrs.purpose", label: "fPurpose", input: "textarea" },
  { path: "attrs.amount_requested_idr", label: "fAmount", input: "amount" },
  { group: "groupChair", path: "private.chair.name", label: "fName", input: "text" },
  { path: "private.chair.nik", label: "fNik", input: "nik" },
  { path: "private.chair.phone", label: "fPhone", input: "tel" },
  { group: "groupSecretary", path: "private.secretary.name", label: "fName", input: "text" },
  { path: "private.secretary.nik", label: "fNik", input: "nik" },
  { path: "private.secretary.phone", label: "fPhone", input: "tel" },
  { group: "groupBank", path: "private.bank_account.bank", label: "fBank", input: "text" },
  { path: "private.bank_account.number", label: "fAccountNumber", input: "account" },
  { path: "private.bank_account.holder", label: "fAccountHolder", input: "text" },
  { group: "groupContact", path: "contact.name", label: "fName", input: "text", autocomplete: "name" },
  { path: "contact.phone", label: "fPhone", input: "tel", autocomplete: "tel" },
  { path: "contact.email", label: "fEmail", input: "email", autocomplete: "email" },
  { path: "contact.nik", label: "fNik", input: "nik" },
  { path: "contact.address", label: "fAddress", input: "textarea", autocomplete: "street-address" },
];

/** The fields of a transport suggestion to Dishub: the note, and an optional contact. */
export const SARAN_FIELDS = [
  { path: "attrs.note", label: "fSaranNote", input: "textarea" },
  { group: "groupContactOptional", path: "contact.name", label: "fName", input: "text", autocomplete: "name" },
  { path: "contact.phone", label: "fPhone", input: "tel", autocomplete: "tel" },
  { path: "contact.email", label: "fEmail", input: "email", autocomplete: "email" },
];

/** The form fields of a service (its type decides; aid proposals are the default). */
export function fieldsFor(service) {
  return service?.type === "saran_transport" ? SARAN_FIELDS : AID_FIELDS;
}

/** Whether a service's place may be a line from -> to (from /services geometry_types). */
export function allowsLine(service) {
  return (service?.geometry_types || []).includes("LineString");
}

/** The GeoJSON of a place: a Point {lon, lat}, or a LineString when `to` is given. */
export function placeGeometry(point, to = null) {
  if (point && to) return { type: "LineString", coordinates: [[point.lon, point.lat], [to.lon, to.lat]] };
  return { type: "Point", coordinates: point ? [point.lon, point.lat] : null };
}

/** "25000000" or 25000000 -> "25.000.000" (Indonesian thousand separators); "" stays "". */
export function formatAmount(value) {
  const digits = String(value ?? "").replace(/\D/g, "").replace(/^0+(?=\d)/, "");
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
}

/** "Rp 25.000.000" -> 25000000; null when there are no digits. */
export function parseAmount(text) {
  const digits = String(text ?? "").replace(/\D/g, "");
  return digits ? Number(digits) : null;
}

/** Bytes as people read them: "9,5 MB", "120 KB". */
export function formatBytes(n, lang = "id") {
  const sep = lang === "en" ? "." : ",";
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1).replace(".", sep)} MB`;
  return `${Math.max(1, Math.round(n / 1000))} KB`;
}

/** A field's value for the request: trimmed text, a number for amounts, null when empty. */
export function fieldValue(field, raw) {
  if (field.input === "amount") return parseAmount(raw);
  const text = String(raw ?? "").trim();
  return text === "" ? null : text;
}

/**
 * The message {key, params} for one value against its limits, or null when it passes.
 * limits: {required, minLength, maxLength, pattern, minimum, maximum, enum} (from /services).
 */
export function checkValue(field, value, limits = {}) {
  if (value === null || value === undefined) return limits.required ? { key: "errRequired" } : null;
  if (typeof value === "number") {
    if (limits.minimum !== undefined && value < limits.minimum) return { key: "errMin", params: { n: formatAmount(limits.minimum) } };
    if (limits.maximum !== undefined && value > limits.maximum) return { key: "errMax", params: { n: formatAmount(limits.maximum) } };
    return null;
  }
  if (limits.minLength !== undefined && value.length < limits.minLength) return { key: "errRequired" };
  if (limits.maxLength !== undefined && value.length > limits.maxLength) return { key: "errTooLong", params: { n: limits.maxLength } };
  if (limits.enum && !limits.enum.includes(value)) return { key: "errChoose" };
  if (limits.pattern && !new RegExp(limits.pattern).test(value)) {
    if (field.input === "nik") return { key: "errNik" };
    if (field.input === "tel") return { key: "errPhone" };
    if (field.input === "email") return { key: "errEmail" };
    if (field.input === "account") return { key: "errAccount" };
    return { key: "errFormat" };
  }
  return null;
}

/** Set `value` at a dotted path of `target` ("private.chair.nik"); null values are left out. */
export function setPath(target, path, value) {
  if (value === null || value === undefined) return target;
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) node = node[part] ??= {};
  node[parts.at(-1)] = value;
  return target;
}

/**
 * Check every field and build the request body.
 * values: path -> raw text; returns {errors: {path: {key, params}}, body}.
 */
export function buildRequest(service, kind, values, point, fields = fieldsFor(service), to = null) {
  const errors = {};
  const body = { type: service.type, geometry: placeGeometry(point, to), attrs: {}, contact: {}, private: {} };
  if (service.kind_field) body.attrs[service.kind_field] = kind;
  // a contact the service does not require is checked only once any of its fields is filled
  const optionalContact = service.contact_required === false
    && !fields.some((f) => f.path.startsWith("contact.") && fieldValue(f, values[f.path]) !== null);
  for (const field of fields) {
    if (optionalContact && field.path.startsWith("contact.")) continue;
    const value = fieldValue(field, values[field.path]);
    const problem = checkValue(field, value, service.limits?.[field.path]);
    if (problem) errors[field.path] = problem;
    setPath(body, field.path, value);
  }
  if (optionalContact) delete body.contact;
  return { errors, body };
}

/** {slot: message} of one chosen file against the service's limits, or null when it passes. */
export function checkFile(file, service) {
  if (!file) return null;
  if (file.size > service.max_file_bytes) return { key: "errFileTooLarge", params: { max: formatBytes(service.max_file_bytes) } };
  if (file.size === 0) return { key: "errFileEmpty" };
  const types = service.accepted_media_types || [];
  const type = file.type || guessType(file.name);
  if (!types.includes(type)) return { key: "errFileType" };
  return null;
}

function guessType(name) {
  const ext = String(name || "").toLowerCase().split(".").at(-1);
  return { pdf: "application/pdf", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png" }[ext] || "";
}

/** The required documents not chosen yet, in form order: [{slot, label}]. */
export function missingDocuments(service, chosen) {
  return (service.documents || []).filter((d) => d.required && !chosen[d.slot]);
}

/** "1 Januari 2027" / "1 January 2027" from an ISO date. */
export function formatDate(iso, lang = "id") {
  if (!iso) return "";
  const [y, m, d] = String(iso).slice(0, 10).split("-").map(Number);
  const months = lang === "en"
    ? ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    : ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];
  return `${d} ${months[m - 1]} ${y}`;
}

/** What the form says of a kind's window: {key, params} (open always, open until, closed). */
export function windowMessage(window, lang = "id") {
  if (!window || (window.open && !window.closes_on)) return { key: "windowAlways" };
  if (window.open) return { key: "windowOpenUntil", params: { date: formatDate(window.closes_on, lang) } };
  return { key: "windowClosed", params: { opens: formatDate(window.opens_on, lang), closes: formatDate(window.closes_on, lang) } };
}

/**
 * Split a problem+json body into messages per form field and the rest:
 * {fields: {path: message}, documents: {slot: message}, general: [messages]}.
 */
export function problemFields(problem, knownPaths) {
  const out = { fields: {}, documents: {}, general: [] };
  const known = new Set(knownPaths);
  for (const e of Array.isArray(problem?.errors) ? problem.errors : []) {
    const field = String(e.field || "");
    const message = String(e.message || "");
    if (field.startsWith("documents.")) out.documents[field.slice(10)] = message;
    else if (known.has(field)) out.fields[field] = message;
    else out.general.push(field ? `${field}: ${message}` : message);
  }
  return out;
}

/** The tracking page of a code, on this site. */
export function trackUrl(code, origin) {
  return `${origin}/lacak?kode=${encodeURIComponent(code)}`;
}
