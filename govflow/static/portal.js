// Resident report form: the grid select shows the chosen community's grids; optional location.
(function () {
  var community = document.getElementById("community");
  var grid = document.getElementById("grid");
  if (community && grid) {
    var filter = function () {
      Array.prototype.forEach.call(grid.options, function (o) {
        if (!o.value) return;
        var show = o.getAttribute("data-community") === community.value;
        o.hidden = !show; o.disabled = !show;
        if (!show && o.selected) grid.value = "";
      });
    };
    community.addEventListener("change", filter);
    filter();
  }
  var locate = document.getElementById("locate");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById("lat").value = p.coords.latitude.toFixed(6);
        document.getElementById("lng").value = p.coords.longitude.toFixed(6);
      });
    });
  }
})();
