// The HMTL demo page: sends the text to POST /predict and draws the predictor's output on it.
// Plain JavaScript, no library and no build step, so that the page works offline as shipped.
"use strict";

// For equal ranges: clusters outermost, then entities, relation arguments innermost.
const KIND_ORDER = { coref: 0, entity: 1, arg: 2 };
// How each kind of level is shown: its panel's heading and hint (tagging levels have none).
const PANELS = {
  relations: { title: "relations", hint: "head → tail; point at one to see its arguments." },
  coreference: { title: "coreference clusters", hint: "" },
};

// `levels`: the model's levels as /health lists them, `{name, kind, key}` each, lower first.
const state = { levels: [], text: "", output: null };

function $(id) {
  return document.getElementById(id);
}

function clusterColour(index) {
  // Hues a golden angle apart stay distinct for any number of clusters a text has.
  return `hsl(${(index * 137.508) % 360}, 70%, 38%)`;
}

function labelColour(label) {
  let hash = 0;
  for (const character of label) hash = (hash * 31 + character.codePointAt(0)) % 3600;
  return `hsl(${hash / 10}, 85%, 84%)`;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

async function loadHealth() {
  try {
    const response = await fetch("/health");
    const health = await response.json();
    state.levels = health.levels;
    const names = health.levels.map((level) => level.name).join(", ");
    $("model").textContent =
      `Model ${health.archive} (levels: ${names}; hmtl_allennlp ${health.version})`;
    buildLayers();
    $("limit").textContent = `at most ${health.max_characters.toLocaleString("en")} characters`;
    $("text").maxLength = health.max_characters;
  } catch (error) {
    showError(`The server does not answer (${error.message}).`);
  }
}

async function analyse(event) {
  event.preventDefault();
  const text = $("text").value;
  $("error").hidden = true;
  $("busy").hidden = false;
  $("analyse").disabled = true;
  try {
    const response = await fetch("/predict", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text }),
    });
    let output;
    try {
      output = await response.json();
    } catch (error) {
      throw new Error(`the server answered ${response.status} without JSON`);
    }
    if (!response.ok || output.error) {
      $("results").hidden = true;
      showError(`Error ${response.status}: ${output.error}`);
      return;
    }
    state.text = text;
    state.output = output;
    $("results").hidden = false;
    draw();
  } catch (error) {
    $("results").hidden = true;
    showError(`The request failed: ${error.message}.`);
  } finally {
    $("busy").hidden = true;
    $("analyse").disabled = false;
  }
}

function levelsOf(kind) {
  return state.levels.filter((level) => level.kind === kind);
}

// A switch per tagging level (spans: one level at a time) and per coreference level (clusters:
// any), the first tagging level selected; a panel per relation and coreference level.
function buildLayers() {
  const none = $("layer-none");
  for (const level of levelsOf("tagging")) {
    none.before(layerSwitch(level, "radio", "spans"));
  }
  for (const level of levelsOf("coreference")) {
    $("layers").append(layerSwitch(level, "checkbox", "clusters"));
  }
  document.querySelector('input[name="spans"]').checked = true;
  for (const level of [...levelsOf("relations"), ...levelsOf("coreference")]) {
    $("panels").append(panel(level));
  }
}

function layerSwitch(level, type, group) {
  const label = document.createElement("label");
  label.id = `layer-${level.name}`;
  const input = document.createElement("input");
  input.type = type;
  input.name = group;
  input.value = level.name;
  input.checked = type === "checkbox";
  label.append(input, ` ${level.name}`);
  return label;
}

function panel(level) {
  const section = tag("section", `panel ${level.kind}`);
  section.id = `panel-${level.name}`;
  const heading = tag("h2", "", `${level.name}: ${PANELS[level.kind].title} `);
  heading.append(tag("span", "count"));
  section.append(heading);
  if (PANELS[level.kind].hint) section.append(tag("p", "hint", PANELS[level.kind].hint));
  section.append(tag("ol"));
  return section;
}

function draw() {
  const output = state.output;
  const spans = [];
  const layer = document.querySelector('input[name="spans"]:checked').value;
  const tagging = levelsOf("tagging").find((level) => level.name === layer);
  (tagging ? output[tagging.key] || [] : []).forEach((mention, index) => {
    spans.push({
      ...range(mention), kind: "entity", id: `${layer}-${index}`, label: mention.label,
    });
  });
  for (const input of document.querySelectorAll('input[name="clusters"]:checked')) {
    const level = levelsOf("coreference").find((coreference) => coreference.name === input.value);
    (output[level.key] || []).forEach((cluster, clusterIndex) => {
      cluster.forEach((mention, index) => {
        spans.push({
          ...range(mention), kind: "coref", id: `${level.name}-${clusterIndex + 1}-${index}`,
          cluster: clusterIndex + 1,
        });
      });
    });
  }
  // The relations' arguments, unstyled until a relation is pointed at.
  const arguments_ = new Map();
  for (const level of levelsOf("relations")) {
    for (const relation of output[level.key] || []) {
      for (const mention of [relation.head, relation.tail]) {
        const key = rangeKey(mention);
        arguments_.set(key, { ...range(mention), kind: "arg", id: key });
      }
    }
  }
  spans.push(...arguments_.values());

  const documentElement = $("document");
  documentElement.replaceChildren();
  renderTree(nestSpans(state.text, spans), state.text, documentElement);
  for (const level of levelsOf("relations")) drawRelations(level, output[level.key] || []);
  for (const level of levelsOf("coreference")) drawClusters(level, output[level.key] || []);
}

function range(mention) {
  return { start: mention.char_start, end: mention.char_end, last: true };
}

function rangeKey(mention) {
  return `${mention.char_start}-${mention.char_end}`;
}

// The spans as a tree of nested ranges (end exclusive). Tagger spans never overlap, but
// clusters may nest in or cross entities and each other: a span that crosses another is cut in
// two at the other's boundary, and only its last piece carries its label.
function nestSpans(text, spans) {
  const root = { start: 0, end: text.length, children: [] };
  const sorted = spans
    .filter((span) => span.start < span.end)
    .sort((a, b) => a.start - b.start || b.end - a.end || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  for (const span of sorted) insertSpan(root, span);
  return root;
}

function insertSpan(node, span) {
  for (const child of node.children) {
    if (child.start <= span.start && span.end <= child.end) {
      insertSpan(child, span);
      return;
    }
    const crossesEnd = child.start < span.start && span.start < child.end && child.end < span.end;
    const crossesStart = span.start < child.start && child.start < span.end && span.end < child.end;
    if (crossesEnd || crossesStart) {
      const cut = crossesEnd ? child.end : child.start;
      insertSpan(node, { ...span, end: cut, last: false });
      insertSpan(node, { ...span, start: cut });
      return;
    }
  }
  const inside = (child) => span.start <= child.start && child.end <= span.end;
  const created = { ...span, children: node.children.filter(inside) };
  node.children = node.children.filter((child) => !inside(child)).concat([created]);
  node.children.sort((a, b) => a.start - b.start || b.end - a.end);
}

function renderTree(node, text, container) {
  let position = node.start;
  for (const child of node.children) {
    if (child.start > position) container.append(text.slice(position, child.start));
    const element = spanElement(child);
    renderTree(child, text, element);
    if (child.last && child.kind === "entity") {
      element.append(tag("span", "tag", child.label));
    } else if (child.last && child.kind === "coref") {
      element.append(tag("sub", "cluster-index", String(child.cluster)));
    }
    container.append(element);
    position = child.end;
  }
  if (position < node.end) container.append(text.slice(position, node.end));
}

function spanElement(span) {
  if (span.kind === "entity") {
    const element = tag("mark", "entity");
    element.dataset.span = span.id;
    element.dataset.label = span.label;
    element.style.backgroundColor = labelColour(span.label);
    return element;
  }
  if (span.kind === "coref") {
    const element = tag("span", "coref");
    element.dataset.span = span.id;
    element.dataset.cluster = span.cluster;
    element.style.borderColor = clusterColour(span.cluster);
    // Nested mentions: each underline below those of the mentions inside it.
    element.style.paddingBottom = `${1 + 5 * corefDepth(span)}px`;
    return element;
  }
  const element = tag("span", "arg");
  element.dataset.arg = span.id;
  return element;
}

// How many levels of cluster mentions a span has inside it.
function corefDepth(node) {
  let depth = 0;
  for (const child of node.children) {
    depth = Math.max(depth, corefDepth(child) + (child.kind === "coref" ? 1 : 0));
  }
  return depth;
}

function tag(name, className, text) {
  const element = document.createElement(name);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function drawRelations(level, relations) {
  const section = $(`panel-${level.name}`);
  section.querySelector(".count").textContent = `(${relations.length})`;
  const list = section.querySelector("ol");
  list.replaceChildren();
  for (const relation of relations) {
    const item = tag("li", "relation");
    item.tabIndex = 0;
    item.dataset.head = rangeKey(relation.head);
    item.dataset.tail = rangeKey(relation.tail);
    item.append(
      tag("span", "head", relation.head.text),
      tag("span", "type", relation.head.label),
      tag("span", "relation-label", relation.label),
      tag("span", "tail", relation.tail.text),
      tag("span", "type", relation.tail.label),
      tag("span", "score", relation.score.toFixed(2)),
    );
    for (const [on, off] of [["mouseenter", "mouseleave"], ["focus", "blur"]]) {
      item.addEventListener(on, () => highlight(item, true));
      item.addEventListener(off, () => highlight(item, false));
    }
    list.append(item);
  }
}

function highlight(item, on) {
  item.classList.toggle("active", on);
  for (const role of ["head", "tail"]) {
    for (const element of document.querySelectorAll(`.arg[data-arg="${item.dataset[role]}"]`)) {
      element.classList.toggle(`highlight-${role}`, on);
    }
  }
}

function drawClusters(level, clusters) {
  const section = $(`panel-${level.name}`);
  section.querySelector(".count").textContent = `(${clusters.length})`;
  const list = section.querySelector("ol");
  list.replaceChildren();
  clusters.forEach((cluster, index) => {
    const item = tag("li", "cluster");
    item.dataset.cluster = index + 1;
    const swatch = tag("span", "swatch", String(index + 1));
    swatch.style.backgroundColor = clusterColour(index + 1);
    item.append(swatch, cluster.map((mention) => mention.text).join(" · "));
    list.append(item);
  });
}

$("input").addEventListener("submit", analyse);
$("layers").addEventListener("change", () => state.output && draw());
loadHealth();
