// The obligations page's countdowns: each <time class="countdown"> counts down from the
// seconds the server computed on its own clock (data-seconds-left), by the time elapsed
// since the page was loaded: the browser's clock, which may be set otherwise, is not used.
"use strict";
(function () {
  var loaded = performance.now();
  var clocks = document.querySelectorAll("time.countdown");
  function words(seconds) {
    if (seconds <= 0) {
      return "the deadline has passed";
    }
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    return (days ? days + " d " : "") + hours + " h " + minutes + " min " + rest + " s left";
  }
  function tick() {
    var elapsed = Math.floor((performance.now() - loaded) / 1000);
    clocks.forEach(function (clock) {
      var left = Number(clock.getAttribute("data-seconds-left")) - elapsed;
      clock.textContent = words(left);
      clock.setAttribute("data-now-left", String(left));
    });
  }
  tick();
  if (clocks.length) {
    setInterval(tick, 1000);
  }
})();
