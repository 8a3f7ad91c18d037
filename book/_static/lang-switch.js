/* 中文 / English language switch for the course book.
 *
 * The book's text is tagged with its language when the book is built
 * (book/_ext/bilingual.py): every paragraph, list item, table row, caption or
 * admonition in one language carries the class lang-zh or lang-en, and a
 * heading "中文 · English" is cut into a lang-zh span, a lang-sep span and a
 * lang-en span. This script only
 *   - adds the three buttons (中文 / English / 中文 + English) and keeps the
 *     reader's choice in localStorage, applied to <html data-lang> before the
 *     page is drawn; lang-switch.css hides the language not chosen;
 *   - cuts the theme's own bilingual labels the same way (the navigation
 *     sidebar, the part captions, the page's table of contents, previous and
 *     next), and gives the theme's Chinese-only labels (上一页, 目录, 搜索...)
 *     their English, so the page chrome follows the choice too.
 *
 * 语言切换：构建时已为每个单元标注语言；本脚本只负责按钮、保存选择，
 * 以及让主题自带的标签（导航、上一页/下一页、目录、搜索框）随选择切换。
 */
(function () {
  "use strict";

  var STORAGE_KEY = "mml-book-lang";
  var MODES = ["zh", "en", "both"];
  var LABELS = { zh: "中文", en: "English", both: "中文 + English" };
  // The theme's labels (Sphinx's zh_CN translation) and their English.
  var CHROME_WORDS = { "上一页": "Previous", "下一页": "Next", "目录": "Contents", "搜索": "Search",
                       "索引": "Index", "搜索结果": "Search results" };
  var PLACEHOLDER = { zh: "搜索…", en: "Search…", both: "搜索 / Search…" };
  // The theme's elements whose text is a "中文 · English" label.
  var CHROME_LABELS = ".bd-sidebar-primary a, .caption-text, #pst-page-toc-nav a, .prev-next-title, .logo__title, " +
                      ".bd-breadcrumbs a, .bd-breadcrumbs li";
  var CHROME_SINGLE = ".prev-next-subtitle, .onthispage, .search-button__default-text";
  var CJK = /[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;
  var SEPARATOR = /^([\s\S]*?\S)(\s+[·\/]\s+)(\S[\s\S]*)$/;

  function storedMode() {
    try {
      var mode = window.localStorage.getItem(STORAGE_KEY);
      return MODES.indexOf(mode) >= 0 ? mode : "both";
    } catch (err) {  // storage blocked (private mode, file://): default to both
      return "both";
    }
  }

  function setMode(mode) {
    var root = document.documentElement;
    root.setAttribute("data-lang", mode);
    root.setAttribute("lang", mode === "en" ? "en" : "zh-CN");
    try { window.localStorage.setItem(STORAGE_KEY, mode); } catch (err) { /* not kept */ }
    var buttons = document.querySelectorAll(".lang-switch button");
    for (var i = 0; i < buttons.length; i++) {
      var on = buttons[i].getAttribute("data-lang-choice") === mode;
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
    var inputs = document.querySelectorAll("input[type=search], .bd-search input");
    for (var j = 0; j < inputs.length; j++) inputs[j].setAttribute("placeholder", PLACEHOLDER[mode]);
  }

  function span(cls, text) {
    var s = document.createElement("span");
    s.className = cls;
    if (cls === "lang-en") s.setAttribute("lang", "en");
    s.textContent = text;
    return s;
  }

  /* Replace a text node "中文 · English" (or a Chinese-only theme word) with
   * the three spans the CSS switches on. */
  function splitText(node) {
    var text = node.nodeValue, m = SEPARATOR.exec(text.trim());
    var zh, sep, en;
    if (m && CJK.test(m[1]) && !CJK.test(m[3])) {
      zh = m[1]; sep = m[2]; en = m[3];
    } else if (CHROME_WORDS.hasOwnProperty(text.trim())) {
      zh = text.trim(); sep = " · "; en = CHROME_WORDS[zh];
    } else {
      return;
    }
    var box = document.createElement("span");
    box.appendChild(span("lang-zh", zh));
    box.appendChild(span("lang-sep", sep));
    box.appendChild(span("lang-en", en));
    node.parentNode.replaceChild(box, node);
  }

  function splitChrome(selector) {
    var elements = document.querySelectorAll(selector);
    for (var i = 0; i < elements.length; i++) {
      var children = elements[i].childNodes;
      for (var k = children.length - 1; k >= 0; k--) {
        if (children[k].nodeType === Node.TEXT_NODE && children[k].nodeValue.trim()) splitText(children[k]);
      }
    }
  }

  function addSwitch(root) {
    var box = document.createElement("div");
    box.className = "lang-switch";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "语言 / Language");
    MODES.forEach(function (mode) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = LABELS[mode];
      button.setAttribute("data-lang-choice", mode);
      button.addEventListener("click", function () { setMode(mode); });
      box.appendChild(button);
    });
    root.insertBefore(box, root.firstChild);
  }

  // Before the page is drawn: no flash of the hidden language on navigation.
  document.documentElement.setAttribute("data-lang", storedMode());

  document.addEventListener("DOMContentLoaded", function () {
    var article = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
    var english = document.querySelectorAll(".lang-en");
    for (var i = 0; i < english.length; i++) english[i].setAttribute("lang", "en");
    splitChrome(CHROME_LABELS);
    splitChrome(CHROME_SINGLE);
    addSwitch(article);
    setMode(storedMode());
  });

  // For tests and the console: window.mmlLang.setMode("en").
  window.mmlLang = { setMode: setMode, storedMode: storedMode };
})();
