// A QR code drawn in the browser (npm qrcode-generator, its ES build): modules painted on a canvas.
import qrcode from "qrcode-generator";

/** The QR modules of `text` as rows of booleans (error correction M). */
export function qrModules(text) {
  const qr = qrcode(0, "M");
  qr.addData(String(text));
  qr.make();
  const n = qr.getModuleCount();
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)));
}

/** Draw `text` as a QR code on `canvas`, `size` CSS pixels wide with a 4-module quiet zone. */
export function drawQr(canvas, text, size = 200) {
  const modules = qrModules(text);
  const count = modules.length + 8;
  const scale = Math.max(1, Math.floor((size * (window.devicePixelRatio || 1)) / count));
  canvas.width = canvas.height = count * scale;
  canvas.style.width = canvas.style.height = `${size}px`;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#000";
  modules.forEach((row, r) => row.forEach((dark, c) => {
    if (dark) ctx.fillRect((c + 4) * scale, (r + 4) * scale, scale, scale);
  }));
  canvas.dataset.modules = String(modules.length);
  return canvas;
}
