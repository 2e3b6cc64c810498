// Links from the workspace to the printable map reports of the selected kelurahan and of its
// kecamatan (staff get the full report through their session cookie). Pure: unit-tested.

/** The report URL of an area: `/cities/{city}/reports/{level}/{code}.html`. */
export function reportUrl(city, level, code) {
  return `/cities/${encodeURIComponent(city)}/reports/${encodeURIComponent(level)}/${encodeURIComponent(code)}.html`;
}

/** The report links to show for a selected kelurahan (none without one; the kecamatan's when known). */
export function reportLinks(city, kelurahan, kecamatan) {
  if (!city || !kelurahan) return [];
  const links = [{ level: "kelurahan", label: "reportKelurahan", href: reportUrl(city, "kelurahan", kelurahan) }];
  if (kecamatan) links.push({ level: "kecamatan", label: "reportKecamatan", href: reportUrl(city, "kecamatan", kecamatan) });
  return links;
}
