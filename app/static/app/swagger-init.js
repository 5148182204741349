// Starts Swagger UI on /api/docs (app/static/app/api-docs.html). It is an
// external classic script, loaded with `defer` after
// /static/swagger/swagger-ui-bundle.js (which defines window.SwaggerUIBundle),
// so the Content-Security-Policy needs no 'unsafe-inline' for scripts.
//
// Options are Swagger UI 5's (docs/usage/configuration.md in swagger-ui):
//   url                  the OpenAPI document to load (same origin: connect-src 'self')
//   dom_id               CSS selector of the element Swagger UI renders into
//   deepLinking          puts the open tag/operation in the URL fragment (#/tag/operationId)
//   persistAuthorization false: tokens typed into "Authorize" are not kept in
//                        localStorage and are gone on reload
//   validatorUrl         null: never ask the online validator (an outside image)
(function () {
  "use strict";
  if (typeof window.SwaggerUIBundle !== "function") {
    return; // the bundle failed to load; the page still links to the JSON
  }
  window.ui = window.SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    validatorUrl: null,
  });
})();
