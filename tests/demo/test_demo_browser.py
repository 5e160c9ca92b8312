"""
The demo end to end in a real browser: `allennlp hmtl-demo` with the fixture model on a free
port, the page in headless Chromium (Debian's package, which `make test` installs where it is
missing), a text typed and analysed.

The page must show exactly what `POST /predict` answers for the same text: as many labelled
spans, relation links and clusters, with the same texts and labels. The fixture model's
weights are set so that it predicts relations and coreference links (see
`hmtl_fixture_archive`); the test first asserts that the answer has entities, mentions,
relations and several clusters, so that it cannot pass on an empty page.
"""

import importlib.util
import json
import os
import urllib.request

import pytest
from allennlp.common import Params
from allennlp.data import DatasetReader
from allennlp.models import Model
from allennlp.models.archival import Archive, load_archive

pytestmark = pytest.mark.slow

TEXT = (
    "John Smith met Mary in Paris. She liked him. "
    "Marie Curie was born in Warsaw. She moved to Paris in 1891."
)
# The fixture model links every span it keeps to its best antecedent, so one part of a document
# makes one cluster. Predicted in parts of at most 12 tokens (clusters never cross parts), the
# text has several clusters, which the page must draw in different colours.
MAX_DOCUMENT_TOKENS = "12"

# The text of each span drawn on the page, by its `data-<key>` (arguments: a CSS selector and
# the key), without the labels drawn inside it; a span cut in pieces (where it crosses another)
# is put back together.
SPAN_TEXTS = """
const pieces = {};
for (const element of document.querySelectorAll(arguments[0])) {
  const copy = element.cloneNode(true);
  copy.querySelectorAll(".tag, .cluster-index").forEach((label) => label.remove());
  (pieces[element.dataset[arguments[1]]] ||= []).push(copy.textContent);
}
return Object.fromEntries(Object.entries(pieces).map(([key, texts]) => [key, texts.join("")]));
"""


@pytest.fixture(scope="module")
def browser(repository_root):
    """scripts/demo_screenshot.py, which starts the demo and drives Chromium."""
    spec = importlib.util.spec_from_file_location(
        "demo_screenshot", repository_root / "scripts" / "demo_screenshot.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_missing_browser_is_named(browser, monkeypatch, tmp_path):
    monkeypatch.setattr(browser, "CHROMIUM", str(tmp_path / "chromium"))
    assert browser.missing_browser() == (
        f"{tmp_path / 'chromium'} is missing (Debian package chromium; see "
        "scripts/setup_browser.sh)"
    )


@pytest.fixture(scope="module")
def driver(browser, tmp_path_factory):
    problem = browser.missing_browser()
    if problem:
        message = (
            f"THE DEMO'S BROWSER TEST DID NOT RUN: {problem}. `make test` installs Chromium "
            "with apt-get where it runs as root on Debian (scripts/setup_browser.sh)."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    chromium = browser.chromium_driver(str(tmp_path_factory.mktemp("chromium-profile")))
    yield chromium
    chromium.quit()


@pytest.fixture(scope="module")
def demo_url(browser, archive_path, driver):
    process, url = browser.start_demo(
        str(archive_path), "--max-document-tokens", MAX_DOCUMENT_TOKENS
    )
    yield url
    process.terminate()
    process.wait(timeout=60)


def health(url):
    with urllib.request.urlopen(url + "health", timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def predict(url, document):
    request = urllib.request.Request(
        url + "predict",
        data=json.dumps(document).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def labels(driver, selector):
    # textContent, not the rendered text, which CSS writes in capitals.
    return [element.get_attribute("textContent") for element in css(driver, selector)]


def test_the_page_draws_every_prediction(browser, driver, demo_url, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    # The page knows the levels from /health: {name: output key} of each kind.
    keys = {}
    for level in health(demo_url)["levels"]:
        keys.setdefault(level["kind"], {})[level["name"]] = level["key"]
    assert list(keys["tagging"]) == ["ner", "emd"]
    (coreference_key,) = keys["coreference"].values()
    (relation_key,) = keys["relations"].values()
    expected = predict(demo_url, {"text": TEXT})
    assert all(expected[key] for key in keys["tagging"].values()) and expected[relation_key]
    assert len(expected[coreference_key]) >= 2

    browser.analyse(driver, demo_url, TEXT)
    assert not css(driver, "#error")[0].is_displayed()
    for layer in ("ner", "emd", "coref", "none"):
        assert css(driver, f"#layer-{layer}")[0].is_displayed()

    # Each tagging level (the first one selected first): labelled, coloured spans.
    for layer, key in keys["tagging"].items():
        css(driver, f'input[name="spans"][value="{layer}"]')[0].click()
        spans = driver.execute_script(SPAN_TEXTS, ".entity", "span")
        assert spans == {
            f"{layer}-{index}": mention["text"] for index, mention in enumerate(expected[key])
        }
        assert labels(driver, ".entity .tag") == [mention["label"] for mention in expected[key]]
        for element in css(driver, ".entity"):
            assert element.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    css(driver, 'input[name="spans"][value="none"]')[0].click()
    assert not css(driver, ".entity")

    # Coreference: every mention underlined in its cluster's colour, with the cluster's index.
    clusters = expected[coreference_key]
    mentions = driver.execute_script(SPAN_TEXTS, ".coref", "span")
    assert mentions == {
        f"coref-{number}-{index}": mention["text"]
        for number, cluster in enumerate(clusters, 1)
        for index, mention in enumerate(cluster)
    }
    colours = {}
    for element in css(driver, ".coref"):
        colour = element.value_of_css_property("border-bottom-color")
        colours.setdefault(element.get_attribute("data-cluster"), set()).add(colour)
    assert sorted(colours, key=int) == [str(number) for number in range(1, len(clusters) + 1)]
    assert all(len(cluster_colours) == 1 for cluster_colours in colours.values())
    assert len(set.union(*colours.values())) == len(clusters)
    assert sorted(labels(driver, ".coref .cluster-index"), key=int) == sorted(
        str(number) for number, cluster in enumerate(clusters, 1) for _ in cluster
    )
    legend = css(driver, "#panel-coref li")
    assert len(legend) == len(clusters)
    for number, item in enumerate(legend, 1):
        swatch = item.find_element("css selector", ".swatch")
        assert swatch.value_of_css_property("background-color") in colours[str(number)]
    driver.save_screenshot(str(tmp_path / "demo.png"))
    assert (tmp_path / "demo.png").stat().st_size > 10_000

    # Relations: head -> tail with the label; pointing at one outlines both arguments.
    relations = css(driver, "#panel-relation li")
    assert len(relations) == len(expected[relation_key])
    for item, relation in zip(relations, expected[relation_key]):
        assert [
            part.get_attribute("textContent")
            for part in item.find_elements("css selector", ".head, .relation-label, .tail")
        ] == [relation["head"]["text"], relation["label"], relation["tail"]["text"]]
    for item, relation in list(zip(relations, expected[relation_key]))[:3]:
        ActionChains(driver).move_to_element(item).perform()
        for role in ("head", "tail"):
            mention = relation[role]
            key = f"{mention['char_start']}-{mention['char_end']}"
            outlined = driver.execute_script(SPAN_TEXTS, f".arg.highlight-{role}", "arg")
            assert outlined == {key: mention["text"]}
    ActionChains(driver).move_to_element(css(driver, "h1")[0]).perform()
    assert not css(driver, ".highlight-head, .highlight-tail")

    # Without the coreference layer, no cluster is drawn (the legend stays).
    css(driver, 'input[name="clusters"][value="coref"]')[0].click()
    assert not css(driver, ".coref") and len(css(driver, "#panel-coref li")) == len(clusters)


def test_an_empty_text_shows_the_error(browser, driver, demo_url):
    browser.analyse(driver, demo_url, TEXT)
    browser.analyse(driver, demo_url, "")
    error = css(driver, "#error")[0]
    assert error.is_displayed()
    assert error.text == "Error 400: the text is empty."
    assert not css(driver, "#results")[0].is_displayed()


def test_only_the_layers_of_the_models_levels_appear(
    browser, driver, start_demo_server, archive_path, repository_root
):
    # An untrained NER -> EMD model (no relation or coreference level), with the vocabulary of
    # the fixture model.
    params = Params.from_file(str(repository_root / "fixtures" / "configs" / "ner_emd.jsonnet"))
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    vocabulary = load_archive(str(archive_path)).model.vocab
    model = Model.from_params(vocab=vocabulary, params=params.pop("model"))
    server = start_demo_server(archive=Archive(model, params, reader, reader, None), name="ner_emd")
    url = "http://{}:{}/".format(*server.server_address[:2])
    expected = predict(url, {"text": TEXT})
    assert "relations" not in expected and "clusters" not in expected

    browser.analyse(driver, url, TEXT)
    assert css(driver, "#model")[0].text.startswith("Model ner_emd (levels: ner, emd;")
    for shown in ("#layer-ner", "#layer-emd", "#layer-none"):
        assert css(driver, shown)[0].is_displayed()
    # No switch or panel for a level the model lacks.
    assert not css(driver, "#layer-coref, .panel")
    assert not css(driver, ".coref, .arg")
    assert len(css(driver, ".entity .tag")) == len(expected["ner"])
