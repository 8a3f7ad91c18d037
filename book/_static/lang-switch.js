/* 中文 / English language switch for the course book.
 *
 * The book's text comes from plain Markdown and from the student notebooks,
 * which stay readable in Jupyter: they carry no book-only markup. Every
 * explanatory block is written twice, Chinese first, then English. So this
 * script tells the languages apart by script: a block whose prose is mostly
 * CJK characters is Chinese, mostly Latin letters is English, and a block with
 * plenty of both (a bilingual heading) is left visible in every mode.
 *
 * A paragraph holding a Chinese sentence followed by its English translation
 * is split in two (see splitMixed).
 *
 * The reader's choice (zh, en or both) is kept in localStorage, so it holds
 * across pages. It is applied to <html data-lang> at once, before the page
 * is drawn, and CSS (lang-switch.css) hides the other language.
 *
 * 语言切换：按文字的书写系统（汉字 / 拉丁字母）区分中文段落与英文段落，
 * 选择保存在 localStorage 中，在页面之间保持不变。
 */
(function () {
  "use strict";

  var STORAGE_KEY = "mml-book-lang";
  var MODES = ["zh", "en", "both"];
  var LABELS = { zh: "中文", en: "English", both: "中文 + English" };
  // Blocks that carry prose; a block inside another candidate is judged on its own.
  var BLOCKS = "p, li, h1, h2, h3, h4, h5, h6, dt, dd, figcaption, .admonition-title";
  // Text inside these is code or math, not language: it is not counted.
  var NOT_PROSE = "code, pre, kbd, samp, script, style, .math, mjx-container, .headerlink, .lang-switch";
  var CJK = /[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/g;
  var LATIN = /[A-Za-z\u00c0-\u024f]/g;
  // An English word is about three Latin letters per CJK character of the
  // same meaning; both languages must reach a quarter of the other to count as both.
  var LETTERS_PER_CJK = 3;
  var BOTH_RATIO = 0.25;
  // The English half of a split paragraph must be a real sentence, not a stray label.
  var MIN_SPLIT_LETTERS = 12;

  function storedMode() {
    try {
      var mode = window.localStorage.getItem(STORAGE_KEY);
      return MODES.indexOf(mode) >= 0 ? mode : "both";
    } catch (err) {  // storage blocked (private mode, file://): default to both
      return "both";
    }
  }

  function setMode(mode) {
    document.documentElement.setAttribute("data-lang", mode);
    try { window.localStorage.setItem(STORAGE_KEY, mode); } catch (err) { /* not kept */ }
    var buttons = document.querySelectorAll(".lang-switch button");
    for (var i = 0; i < buttons.length; i++) {
      var on = buttons[i].getAttribute("data-lang-choice") === mode;
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  /* The prose text of a block: its text nodes minus code and math. */
  function proseText(block) {
    var parts = [];
    var walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT, null);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var parent = node.parentElement;
      if (parent && !parent.closest(NOT_PROSE)) parts.push(node.nodeValue);
    }
    return parts.join(" ");
  }

  /* "zh", "en", "both" or null (no prose) for a piece of text. */
  function classify(text) {
    var zh = (text.match(CJK) || []).length;
    var en = (text.match(LATIN) || []).length / LETTERS_PER_CJK;
    if (zh === 0 && en === 0) return null;
    if (zh >= 2 && en >= 2 && Math.min(zh, en) >= BOTH_RATIO * Math.max(zh, en)) return "both";
    return zh > en ? "zh" : "en";
  }

  /* A paragraph written "中文句子。English sentence." in one block is cut in
   * two after the last Chinese sentence, when all that follows is English:
   * the halves become <span class="lang-zh"> and <span class="lang-en">.
   * Interleaved labels ("隐藏状态 / hidden state: ...") are left whole. */
  function splitMixed(block) {
    var last = null, lastIndex = -1, match;
    var walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT, null);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement && node.parentElement.closest(NOT_PROSE)) continue;
      var cjk = new RegExp(CJK.source, "g");
      while ((match = cjk.exec(node.nodeValue)) !== null) { last = node; lastIndex = match.index; }
    }
    if (!last || !/[。！？][）」”』]*$/.test(last.nodeValue.slice(0, lastIndex + 1))) return false;
    var rest = document.createRange();
    rest.setStart(last, lastIndex + 1);
    rest.setEnd(block, block.childNodes.length);
    if ((rest.toString().match(LATIN) || []).length < MIN_SPLIT_LETTERS) return false;
    var en = document.createElement("span");
    en.className = "lang-en";
    en.setAttribute("lang", "en");
    en.appendChild(rest.extractContents());
    var zh = document.createElement("span");
    zh.className = "lang-zh";
    zh.setAttribute("lang", "zh-CN");
    while (block.firstChild) zh.appendChild(block.firstChild);
    block.appendChild(zh);
    block.appendChild(document.createTextNode(" "));
    block.appendChild(en);
    return true;
  }

  function tagBlocks(root) {
    var blocks = root.querySelectorAll(BLOCKS);
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      if (block.closest(NOT_PROSE) || block.closest("table")) continue;
      // A list item made of paragraphs is judged paragraph by paragraph.
      if (block.querySelector(BLOCKS)) continue;
      var lang = classify(proseText(block));
      if (!lang) continue;
      if (lang === "both" && splitMixed(block)) continue;
      block.classList.add("lang-" + lang);
      if (lang !== "both") block.setAttribute("lang", lang === "zh" ? "zh-CN" : "en");
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
    tagBlocks(article);
    addSwitch(article);
    setMode(storedMode());
  });

  // For tests and the console: window.mmlLang.classify("..."), .tagBlocks(element), .setMode("en").
  window.mmlLang = { classify: classify, tagBlocks: tagBlocks, setMode: setMode, storedMode: storedMode };
})();
