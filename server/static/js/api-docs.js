// Starts Swagger UI on /docs (loaded as a file: the Content-Security-Policy forbids inline scripts).
// The OpenAPI document comes from our own host; the validator badge (a call to validator.swagger.io)
// is switched off, and "try it out" requests go to our own API only.
(function () {
  "use strict";
  var config = document.getElementById("api-docs-config");
  var target = document.getElementById("swagger-ui");
  if (!config || !target || typeof window.SwaggerUIBundle !== "function") return;
  var settings = JSON.parse(config.textContent);
  window.SwaggerUIBundle({
    url: settings.openapi,
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    tryItOutEnabled: true,
    docExpansion: "list",
    defaultModelsExpandDepth: -1,
    filter: true,
    supportedSubmitMethods: ["get", "head"],
  });
})();
