// Type-ahead for the text fields that name a startup or an organisation (progressive enhancement).
//
// A text input with `data-suggest="<url>"` becomes an ARIA 1.2 combobox: as the person types
// (two characters or more), `<url>?q=<text>` is fetched, which answers
// {"items": [{"value", "label", "hint"}]}; the suggestions show in a listbox under the field,
// usable with the mouse or the keyboard (↓ ↑ to move, Entrée to choose, Échap to close).
// Choosing one puts its `value` in the field, which the server resolves as it would a typed
// name: without this script the field is a plain text field and the form works the same.
//
// Options, as attributes of the input:
//   data-suggest-submit  submit the field's form once a suggestion is chosen (filters);
// a `list` attribute (a server-written <datalist>, the fallback without script) is removed.
// The input also receives a bubbling "suggest:chosen" event whose `detail` is the item.

const MIN_LENGTH = 2;
const MAX_LENGTH = 300;
const DELAY_MS = 150;
let counter = 0;

function plural(count, word) {
  return `${count} ${word}${count > 1 ? "s" : ""}`;
}

export function enhance(input) {
  if (input.dataset.suggestReady) return;
  input.dataset.suggestReady = "1";
  if (!input.id) input.id = `suggest-${++counter}`;
  input.removeAttribute("list");
  input.setAttribute("autocomplete", "off");

  const list = document.createElement("ul");
  list.id = `${input.id}-suggestions`;
  list.className = "pf-suggest__list";
  list.setAttribute("role", "listbox");
  const label = input.labels && input.labels[0] ? input.labels[0].firstChild.textContent.trim() : "";
  list.setAttribute("aria-label", label ? `Suggestions : ${label}` : "Suggestions");
  list.hidden = true;

  const status = document.createElement("p");
  status.className = "fr-sr-only";
  status.setAttribute("role", "status");

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.parentElement.classList.add("pf-suggest");
  input.after(list, status);

  let items = [];
  let active = -1;
  let timer = null;
  let controller = null;
  const cache = new Map();

  function open(isOpen) {
    list.hidden = !isOpen;
    input.setAttribute("aria-expanded", String(isOpen));
    if (!isOpen) highlight(-1);
  }

  function highlight(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((option, position) => {
      option.setAttribute("aria-selected", String(position === index));
      option.classList.toggle("pf-suggest__option--active", position === index);
    });
    if (index >= 0) {
      const option = list.children[index];
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render(found, typed) {
    items = found;
    list.replaceChildren(
      ...found.map((item, index) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${index}`;
        option.className = "pf-suggest__option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.value = item.value;
        option.append(item.label);
        if (item.hint) {
          const hint = document.createElement("span");
          hint.className = "pf-suggest__hint";
          hint.textContent = item.hint;
          option.append(hint);
        }
        option.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
        option.addEventListener("click", () => choose(index));
        return option;
      }),
    );
    status.textContent = found.length
      ? `${plural(found.length, "suggestion")} : utilisez les flèches pour choisir.`
      : typed ? "Aucune suggestion." : "";
    open(found.length > 0);
  }

  function choose(index) {
    const item = items[index];
    if (!item) return;
    input.value = item.value;
    open(false);
    status.textContent = `${item.label} choisi.`;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.dispatchEvent(new CustomEvent("suggest:chosen", { bubbles: true, detail: item }));
    if ("suggestSubmit" in input.dataset && input.form) input.form.requestSubmit();
  }

  async function load(typed) {
    if (cache.has(typed)) {
      render(cache.get(typed), typed);
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    const url = new URL(input.dataset.suggest, window.location.href);
    url.searchParams.set("q", typed);
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal,
      });
      // A session that ended answers the login page: no suggestions, the field still works.
      const isJson = (response.headers.get("Content-Type") || "").startsWith("application/json");
      const found = response.ok && isJson ? (await response.json()).items || [] : [];
      cache.set(typed, found);
      if (input.value.trim() === typed) render(found, typed);
    } catch (error) {
      if (error.name !== "AbortError") render([], typed);
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const typed = input.value.trim();
    if (typed.length < MIN_LENGTH || typed.length > MAX_LENGTH) {
      if (controller) controller.abort();
      render([], "");
      return;
    }
    timer = setTimeout(() => load(typed), DELAY_MS);
  });

  input.addEventListener("keydown", (event) => {
    const isOpen = !list.hidden;
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      if (!isOpen) open(true);
      highlight(active + 1 < items.length ? active + 1 : 0);
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      if (!isOpen) open(true);
      highlight(active > 0 ? active - 1 : items.length - 1);
    } else if (event.key === "Enter" && isOpen && active >= 0) {
      event.preventDefault(); // choose, not submit: the form is submitted by a second Entrée
      choose(active);
    } else if (event.key === "Escape" && isOpen) {
      event.preventDefault();
      open(false);
    }
  });

  input.addEventListener("blur", () => open(false));
}

document.querySelectorAll("input[data-suggest]").forEach(enhance);
