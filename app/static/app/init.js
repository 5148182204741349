// Starts GOV.UK Frontend's JavaScript. Load it from the page with
//   <script type="module" src="/static/app/init.js"></script>
// (an external file, so the Content-Security-Policy needs no 'unsafe-inline').
//
// Every GOV.UK Frontend component checks for <body class="govuk-frontend-supported">
// and refuses to start without it (initAll() logs a SupportError and does
// nothing). The GOV.UK page template sets that class from a small inline
// <script>; we set it here, before initAll(), as well. A browser that runs ES
// modules is a supported one, so the template's `'noModule' in
// HTMLScriptElement.prototype` test is not needed here.
//
// The import is relative to this file, so it works wherever app/static is mounted.
import { initAll } from "../govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
