/* Keyboard shortcuts for the review queue (progressive enhancement: every page works without).
 *   Queue:      j / k  next / previous conviction (focus), Enter opens it
 *   Conviction: n      not challenged      c  challenge (focus the ground)
 *               u      back to the queue
 * Keys typed into a form field are left alone. */
(function () {
  "use strict";
  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    var links = Array.prototype.slice.call(document.querySelectorAll("[data-row-link]"));
    if (links.length && (event.key === "j" || event.key === "k")) {
      var i = links.indexOf(document.activeElement);
      i = event.key === "j" ? Math.min(i + 1, links.length - 1) : Math.max(i - 1, 0);
      links[i].focus();
      links[i].closest("tr").scrollIntoView({ block: "nearest" });
      event.preventDefault();
      return;
    }
    var target = document.querySelector('[data-key="' + event.key + '"]');
    if (!target) return;
    event.preventDefault();
    if (target.tagName === "A" || target.tagName === "BUTTON") {
      target.click();
    } else {
      target.focus();
    }
  });
})();
