// HTTP client of the Tree Point O API: JSON in, readable errors out (problem+json aware).

export class ApiError extends Error {
  constructor(status, title, detail, errors = []) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.errors = errors;
  }
}

/** Turn a problem+json body (RFC 9457) into one readable sentence. */
export function problemMessage(problem, fallback = "Permintaan gagal") {
  if (!problem || typeof problem !== "object") return fallback;
  const head = problem.detail || problem.title || fallback;
  const fields = Array.isArray(problem.errors)
    ? problem.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).filter(Boolean)
    : [];
  return fields.length ? `${head} (${fields.join("; ")})` : head;
}

export async function getJSON(url, { signal } = {}) {
  let response;
  try {
    response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "Tidak dapat menghubungi server");
  }
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : null;
  if (!response.ok) {
    throw new ApiError(response.status, body?.title, problemMessage(body, `HTTP ${response.status}`), body?.errors);
  }
  return body;
}

/**
 * Every feature of an OGC API Features items URL, following `next` links.
 * Stops at maxFeatures; onProgress(loaded, matched) is called after each page.
 */
export async function getAllFeatures(url, { maxFeatures = 20000, onProgress, signal } = {}) {
  const features = [];
  let next = url;
  while (next && features.length < maxFeatures) {
    const page = await getJSON(next, { signal });
    features.push(...(page.features || []));
    if (onProgress) onProgress(features.length, page.numberMatched ?? null);
    const link = (page.links || []).find((l) => l.rel === "next");
    next = link && (page.features || []).length ? link.href : null;
  }
  return { type: "FeatureCollection", features: features.slice(0, maxFeatures) };
}
