/* Figures at a readable size on every screen.
 *
 * The book's figures are drawn at most about 900 px wide with text of 11 pt
 * and up (book/figures.py, mml/visualize.py). On a wide screen they show at
 * their drawn size. On a narrow one (a phone) a figure would shrink with the
 * column until its text cannot be read; so it is never shown below
 * MIN_SCALE of its drawn width: a figure wider than the column then scrolls
 * sideways inside its own box (lang-switch.css: .cell_output), and the page
 * itself never does.
 *
 * 插图在手机上不会缩小到原尺寸的 70% 以下；比屏幕宽的插图在自己的框内左右滚动。
 */
(function () {
  "use strict";
  var MIN_SCALE = 0.7;

  function keepReadable(img) {
    if (img.naturalWidth > 0) img.style.minWidth = Math.ceil(img.naturalWidth * MIN_SCALE) + "px";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var images = document.querySelectorAll("article .cell_output img, article figure img");
    for (var i = 0; i < images.length; i++) {
      var img = images[i];
      if (img.complete) keepReadable(img);
      else img.addEventListener("load", function (event) { keepReadable(event.target); });
    }
  });
})();
