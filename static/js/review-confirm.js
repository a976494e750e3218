/* Ask before a form marked data-confirm="question" is sent (e.g. undoing a decision).
 * Progressive enhancement: without JavaScript the form is sent at once (an undo is itself
 * recorded and can be followed by a new decision). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
