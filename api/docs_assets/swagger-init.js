// Starts Swagger UI on /docs from our own files (no CDN, no inline script).
window.addEventListener("load", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    oauth2RedirectUrl: new URL(root.dataset.redirect, window.location.href).href,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
});
