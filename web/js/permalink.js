// Shareable map links: #zoom/lat/lon in the address bar (the OpenStreetMap convention).

export function parseHash(hash) {
  const m = /^#?(\d{1,2}(?:\.\d+)?)\/(-?\d{1,2}(?:\.\d+)?)\/(-?\d{1,3}(?:\.\d+)?)$/.exec(hash || "");
  if (!m) return null;
  const [z, lat, lon] = m.slice(1).map(Number);
  if (z < 0 || z > 22 || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { z, lat, lon };
}

export function formatHash(z, lat, lon) {
  return `#${Math.round(z)}/${lat.toFixed(5)}/${lon.toFixed(5)}`;
}
