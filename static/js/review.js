/* htmx settings for the review pages: a refused quick decision (400 invalid, 409 changed by
 * someone else) comes back as the row with its message, so it is swapped in like a success. */
(function () {
  "use strict";
  if (!window.htmx) return;
  window.htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "400|409", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];
})();
