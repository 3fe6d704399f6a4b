// "Print client sheet": print the results page with print.css (one referral per page).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-sheet");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
});
