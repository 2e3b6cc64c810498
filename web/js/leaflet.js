// Leaflet for the citizens' map as an ES module over its minified build (npm leaflet's
// dist/leaflet.js, a third of leaflet-src.esm.js): the build sets globalThis.L, and this module
// exports the same names as leaflet-src.esm.js (web/test/leaflet.test.js keeps the two lists equal).
import "/vendor/leaflet/leaflet.js";

const L = globalThis.L;

export const {
  Bounds, Browser, CRS, Canvas, Circle, CircleMarker, Class, Control, DivIcon, DivOverlay,
  DomEvent, DomUtil, Draggable, Evented, FeatureGroup, GeoJSON, GridLayer, Handler, Icon,
  ImageOverlay, LatLng, LatLngBounds, Layer, LayerGroup, LineUtil, Map, Marker, Mixin, Path,
  Point, PolyUtil, Polygon, Polyline, Popup, PosAnimation, Projection, Rectangle, Renderer, SVG,
  SVGOverlay, TileLayer, Tooltip, Transformation, Util, VideoOverlay, bind, bounds, canvas,
  circle, circleMarker, control, divIcon, extend, featureGroup, geoJSON, geoJson, gridLayer,
  icon, imageOverlay, latLng, latLngBounds, layerGroup, map, marker, point, polygon, polyline,
  popup, rectangle, setOptions, stamp, svg, svgOverlay, tileLayer, tooltip, transformation,
  version, videoOverlay,
} = L;
