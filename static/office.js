/* Postdoc Office — the staff pages' own script (no framework, no CDN). Progressive
 * enhancements; every page works without them:
 *
 * 1. The phone menu: the navigation folds behind a "Menu" button (aria-expanded) under 720 px.
 *    Without this script the button stays hidden and every link shows.
 * 2. Type-to-search on long drop-downs: a <select> with more than SEARCH_FROM options gets a
 *    search box before it that hides the options whose text does not match (every word typed must
 *    appear; an option's data-search, e.g. pinyin, counts too). <optgroup>s stay, empty ones hide.
 *    Enter picks the first match, ArrowDown moves to the list, Escape clears. Drop-downs that htmx
 *    swaps in later get theirs too. `data-no-search` on a select leaves it alone.
 * 3. A button with `data-history-back` goes back a page (the "too large" page's way back to its form).
 *
 * The pages carry no inline script, style attribute or on…= handler: the Content-Security-Policy
 * refuses them (docs/decisions/0025). Behaviour lives here, looks in office.css.
 *
 * The words shown come from the page (data-* on <body>, translated by Django), not from here.
 */
(function () {
  "use strict";

  var SEARCH_FROM = 16; // options, the empty choice included: a list longer than a screen of choices

  function text(name, fallback) {
    var value = document.body && document.body.dataset[name];
    return value || fallback;
  }

  // ---- 1. the phone menu ------------------------------------------------------------------

  function setUpMenu() {
    var toggle = document.querySelector(".navtoggle");
    var nav = document.getElementById("mainnav");
    if (!toggle || !nav || toggle.dataset.ready) return;
    toggle.dataset.ready = "1";
    document.documentElement.classList.add("has-navtoggle");
    toggle.hidden = false;

    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    }
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  // ---- 2. type-to-search on long drop-downs -----------------------------------------------

  function normalise(value) {
    return (value || "").toLocaleLowerCase().replace(/\s+/g, " ").trim();
  }

  function labelOf(select) {
    if (select.id) {
      var label = document.querySelector('label[for="' + CSS.escape(select.id) + '"]');
      if (label) return label.textContent.replace(/[:：]\s*$/, "").trim();
    }
    return select.getAttribute("aria-label") || select.name || "";
  }

  function isBlank(option) {
    return option.value === "";
  }

  function enhanceSelect(select) {
    if (select.dataset.searchReady || select.hasAttribute("data-no-search")) return;
    if (select.options.length < SEARCH_FROM) return;
    select.dataset.searchReady = "1";

    var wrap = document.createElement("div");
    wrap.className = "selectsearch";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "selectsearch__box";
    box.autocomplete = "off";
    box.placeholder = text("selectSearchPlaceholder", "Type to search");
    var name = labelOf(select);
    box.setAttribute("aria-label", text("selectSearchLabel", "Search the choices of %s").replace("%s", name));
    if (select.id) box.setAttribute("aria-controls", select.id);
    if (select.disabled) box.disabled = true;
    var count = document.createElement("span");
    count.className = "selectsearch__count sub";
    count.setAttribute("aria-live", "polite");
    wrap.appendChild(box);
    wrap.appendChild(count);
    // In a row of filters the box goes under its list, so that labels and lists stay in line.
    if (select.closest(".filters")) {
      select.insertAdjacentElement("afterend", wrap);
    } else {
      select.parentNode.insertBefore(wrap, select);
    }

    // The haystack of each option, read once (a 200-supervisor list filters as fast as one types).
    var options = Array.prototype.slice.call(select.options);
    var haystacks = options.map(function (option) {
      return normalise(option.textContent + " " + (option.dataset.search || ""));
    });

    function filter() {
      var words = normalise(box.value).split(" ").filter(Boolean);
      var shown = 0;
      var total = 0;
      options.forEach(function (option, index) {
        if (isBlank(option)) return; // the empty choice ("---------") stays: it clears the field
        total += 1;
        var match = words.every(function (word) {
          return haystacks[index].indexOf(word) !== -1;
        });
        option.hidden = !match;
        if (match) shown += 1;
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (option) {
          return !option.hidden;
        });
      });
      count.textContent = words.length
        ? text("selectSearchCount", "%(shown)s of %(total)s").replace("%(shown)s", shown).replace("%(total)s", total)
        : "";
      return shown;
    }

    function firstMatch() {
      for (var i = 0; i < options.length; i += 1) {
        if (!options[i].hidden && !options[i].disabled && !isBlank(options[i])) return options[i];
      }
      return null;
    }

    box.addEventListener("input", filter);
    // The box is no field of the form: its own change must not set off the form's htmx trigger.
    box.addEventListener("change", function (event) {
      event.stopPropagation();
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // picks a choice; it does not send the form
        var option = firstMatch();
        if (option) {
          select.value = option.value;
          select.dispatchEvent(new Event("input", { bubbles: true }));
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        select.focus();
      } else if (event.key === "Escape" && box.value) {
        event.preventDefault();
        event.stopPropagation();
        box.value = "";
        filter();
      }
    });
    // A form reset or an htmx-restored value shows every option again.
    var form = select.form;
    if (form) {
      form.addEventListener("reset", function () {
        box.value = "";
        setTimeout(filter, 0);
      });
    }
  }

  function enhance(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("select")) enhanceSelect(scope);
    Array.prototype.forEach.call(scope.querySelectorAll("select"), enhanceSelect);
  }

  // ---- 3. going back a page -----------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var back = event.target.closest && event.target.closest("[data-history-back]");
    if (back) {
      event.preventDefault();
      window.history.back();
    }
  });

  function start() {
    setUpMenu();
    enhance(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  // htmx announces each piece of page it puts in (forms loaded into a panel, swapped rows).
  document.addEventListener("htmx:load", function (event) {
    enhance(event.detail && event.detail.elt);
  });

  window.officeEnhance = enhance; // for pages that build a select by script
})();
