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
//   validatorUrl         null: never ask the online validator (an outside image);
//                        BaseLayout shows no validator badge anyway
//   plugins              OneMainLandmark, below
(function () {
  "use strict";
  if (typeof window.SwaggerUIBundle !== "function") {
    return; // the bundle failed to load; the page still links to the JSON
  }

  // Swagger UI 5's BaseLayout wraps the operations in its own
  // <main id="operations">. api-docs.html already has a <main> around the
  // whole reference, and a page should have exactly one, not nested (axe-core:
  // landmark-no-duplicate-main, landmark-main-is-top-level). This plugin makes
  // Swagger UI render that inner element as a <div> with the same props
  // (id="operations", tabindex="-1", so in-page links to it still work).
  //
  // It uses the documented plugin API (wrapComponents) and only rewrites
  // React elements, not the DOM. The wrapped BaseLayout is Swagger UI's
  // error-boundary wrapper, so it follows the chain of class components at the
  // root (WithErrorBoundary -> ErrorBoundary -> BaseLayout), each through a
  // cached subclass, down to the first HTML element, and rewrites that tree.
  // If a later Swagger UI renders no <main> there, or is built differently, it
  // changes nothing and the page simply has the nested <main> again.
  function OneMainLandmark(system) {
    var React = system.React;
    var patched = new Map(); // component class -> subclass (cached: a new type each render would remount)

    function isClass(type) {
      return typeof type === "function" && type.prototype && typeof type.prototype.render === "function";
    }

    // Rebuilds an HTML element tree, swapping "main" for "div". It follows
    // props.children only: the elements BaseLayout made itself, including those
    // it passes as children to other components. Unchanged parts are reused.
    function demote(el) {
      if (!React.isValidElement(el)) {
        return el; // text, null, false, or a list
      }
      var children = el.props.children;
      var newChildren = Array.isArray(children) ? children.map(demote) : demote(children);
      var changed = Array.isArray(children)
        ? newChildren.some(function (c, i) { return c !== children[i]; })
        : newChildren !== children;
      if (el.type !== "main" && !changed) {
        return el;
      }
      var props = Object.assign({}, el.props);
      delete props.children;
      if (el.key !== null) { props.key = el.key; }
      if (el.ref !== null) { props.ref = el.ref; }
      var type = el.type === "main" ? "div" : el.type;
      return React.createElement.apply(
        null, [type, props].concat(Array.isArray(newChildren) ? newChildren : [newChildren]));
    }

    // Follows the root element down through class components (at most a few).
    function followRoot(el, depth) {
      if (!React.isValidElement(el)) {
        return el;
      }
      if (typeof el.type === "string") {
        return demote(el);
      }
      if (depth < 4 && isClass(el.type)) {
        var props = Object.assign({}, el.props);
        if (el.key !== null) { props.key = el.key; }
        if (el.ref !== null) { props.ref = el.ref; }
        return React.createElement(patch(el.type, depth + 1), props);
      }
      return el;
    }

    function patch(Cls, depth) {
      if (!patched.has(Cls)) {
        var Sub = class extends Cls {
          render() {
            return followRoot(super.render(), depth);
          }
        };
        Sub.displayName = Cls.displayName || Cls.name;
        patched.set(Cls, Sub);
      }
      return patched.get(Cls);
    }

    return {
      wrapComponents: {
        BaseLayout: function (Original) {
          return isClass(Original) ? patch(Original, 0) : Original;
        },
      },
    };
  }

  window.ui = window.SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    validatorUrl: null,
    plugins: [OneMainLandmark],
  });
})();
