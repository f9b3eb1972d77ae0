// Starts Swagger UI on /docs (a file, not an inline script, so the page's CSP can forbid inline scripts).
// validatorUrl null: Swagger UI would otherwise ask validator.swagger.io about the document.
"use strict";
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestSnippetsEnabled: true
  });
});
