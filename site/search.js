// The search page's script: the site's one script, an enhancement. It reads the query from the
// address (?q=…), loads the index the build wrote, and lists the matching sections. Everything it
// shows is set as text, never as HTML. Without it the search page still lists every section.
/* global MiniSearch */
(function () {
  "use strict";
  const form = document.getElementById("search-page-form");
  const input = document.getElementById("search-page-query");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  if (!form || !input || !status || !list || typeof MiniSearch === "undefined") return;
  const query = new URLSearchParams(location.search).get("q") || "";
  input.value = query;
  document.documentElement.classList.add("search-ready");
  if (query.trim() === "") {
    status.textContent = "Type a word or two: a Go name, a primitive, a pattern.";
    return;
  }
  status.textContent = "Searching…";
  fetch(form.getAttribute("data-index"))
    .then((response) => {
      if (!response.ok) throw new Error("the index answered " + response.status);
      return response.text();
    })
    .then((text) => {
      const data = JSON.parse(text);
      const search = MiniSearch.loadJSON(JSON.stringify(data.index), data.options);
      const results = search.search(query).slice(0, 30);
      list.textContent = "";
      for (const result of results) {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = result.href;
        link.textContent = result.title;
        const where = document.createElement("span");
        where.className = "muted";
        where.textContent = " — " + result.where;
        const excerpt = document.createElement("p");
        excerpt.textContent = result.excerpt;
        item.append(link, where, excerpt);
        list.append(item);
      }
      status.textContent = results.length === 0
        ? "Nothing matches “" + query + "”."
        : results.length + (results.length === 1 ? " section matches" : " sections match") +
          " “" + query + "”.";
    })
    .catch((error) => {
      status.textContent = "Search is unavailable here (" + error.message +
        "); the contents below list every section.";
    });
})();
