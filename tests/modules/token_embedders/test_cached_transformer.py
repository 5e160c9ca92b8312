"""
The cached transformer embedder on the tiny BERT of fixtures/transformers/: a frozen transformer
under a trained scalar mix, a cache that gives the computed features back and never those of
another model or text, frozen weights left out of the saved state, and the checks of bad input.
"""

import logging
import shutil
from pathlib import Path
from typing import Dict, List

import pytest
import torch
from allennlp.data import Batch, Instance, Token, Vocabulary
from allennlp.data.fields import TextField
from allennlp.modules.token_embedders import PretrainedTransformerMismatchedEmbedder
from transformers import BertModel

from hmtl_allennlp.common.errors import DataFormatError
from hmtl_allennlp.common.local_transformer import LocalTransformerError, check_local_transformer
from hmtl_allennlp.data import LocalTransformerMismatchedIndexer
from hmtl_allennlp.modules import CachedTransformerMismatchedEmbedder

TINY_BERT = str(Path(__file__).resolve().parents[3] / "fixtures" / "transformers" / "tiny-bert")
# Windows of 16 word pieces: the second text below is read in several.
MAX_LENGTH = 16
TEXTS = [
    "The stampede killed many pilgrims .".split(),
    ("Worship in the news " * 8).split(),
]


def batch_of(texts: List[List[str]], max_length=MAX_LENGTH) -> Dict[str, torch.Tensor]:
    indexer = LocalTransformerMismatchedIndexer(TINY_BERT, max_length=max_length)
    instances = [
        Instance({"text": TextField([Token(word) for word in text], {"transformer": indexer})})
        for text in texts
    ]
    batch = Batch(instances)
    batch.index_instances(Vocabulary())
    return batch.as_tensor_dict()["text"]["transformer"]


def embedder(**options) -> CachedTransformerMismatchedEmbedder:
    torch.manual_seed(0)
    module = CachedTransformerMismatchedEmbedder(TINY_BERT, max_length=MAX_LENGTH, **options)
    # A mix that is not uniform, as after training.
    with torch.no_grad():
        for k, parameter in enumerate(module._scalar_mix.scalar_parameters):
            parameter.fill_(0.5 * k)
    return module.train()


def words(batch: Dict[str, torch.Tensor], features: torch.Tensor) -> torch.Tensor:
    """The features of the words (the padding left out)."""
    return features[batch["mask"]]


def test_the_scalar_mix_is_trained_and_the_transformer_frozen_by_default():
    module = embedder()
    batch = batch_of(TEXTS)
    transformer = {
        name: parameter.detach().clone()
        for name, parameter in module._transformer.named_parameters()
    }
    mix = [parameter.detach().clone() for parameter in module._scalar_mix.parameters()]
    trained = [parameter for parameter in module.parameters() if parameter.requires_grad]
    optimizer = torch.optim.Adam(trained, lr=0.1)
    # Computed once, then from the cache: the mix must get gradients both times.
    for _ in range(2):
        optimizer.zero_grad()
        module(**batch).pow(2).sum().backward()
        optimizer.step()
    assert all(not torch.equal(before, after) for before, after in zip(mix, trained))
    assert len(trained) == len(mix)
    for name, parameter in module._transformer.named_parameters():
        assert not parameter.requires_grad, name
        assert torch.equal(parameter, transformer[name]), name


def test_a_frozen_transformer_runs_without_dropout_in_training():
    module = embedder(cache=False)
    batch = batch_of(TEXTS)
    assert module.training and not module._transformer.transformer_model.training
    assert torch.equal(module(**batch), module(**batch))


@pytest.mark.parametrize("cache_dtype", ["float16", "float32"])
def test_the_cache_gives_the_computed_features_back(cache_dtype):
    batch = batch_of(TEXTS)
    cached = embedder(cache_dtype=cache_dtype)
    computed = cached(**batch)
    assert len(cached._cache) == len(TEXTS)
    # From the cache, in another batch order and padding: the same numbers.
    again = cached(**batch_of(TEXTS[::-1]))
    assert len(cached._cache) == len(TEXTS)
    assert torch.equal(words(batch, again.flip(0)[:, : computed.size(1)]), words(batch, computed))
    # The same as without a cache (the features of a frozen transformer are rounded to the
    # stored type either way).
    uncached = embedder(cache=False, cache_dtype=cache_dtype)(**batch)
    assert torch.equal(computed, uncached)
    # And as AllenNLP's embedder with the same mix: a layer rounded to float16 differs from
    # float32 by at most 2^-11 of its largest value, and so does their weighted sum (the
    # weights, softmax-normalised, times gamma = 1, sum to 1); in float32 only the order of the
    # sums differs.
    reference = PretrainedTransformerMismatchedEmbedder(
        TINY_BERT, max_length=MAX_LENGTH, last_layer_only=False, train_parameters=False
    ).eval()
    reference._matched_embedder._scalar_mix.load_state_dict(cached._scalar_mix.state_dict())
    with torch.no_grad():
        expected = words(batch, reference(**batch))
        largest = cached._word_layers(**batch).abs().max().item()
    tolerance = 2**-11 if cache_dtype == "float16" else 1e-6
    torch.testing.assert_close(
        words(batch, computed).detach(), expected, rtol=0, atol=tolerance * largest
    )


def test_a_full_cache_says_so_once_and_computes_the_texts_it_cannot_hold(caplog):
    batch = batch_of(TEXTS)
    # Room for the first text's features only (float16: 2 bytes a number).
    config = check_local_transformer(TINY_BERT).config
    first_text_bytes = len(TEXTS[0]) * config.num_hidden_layers * config.hidden_size * 2
    module = embedder(max_cache_mb=(first_text_bytes + 1) / 2**20)
    with caplog.at_level(logging.WARNING):
        first = module(**batch)
        again = module(**batch)
    assert len(module._cache) == 1
    assert caplog.text.count("The transformer feature cache is full") == 1
    assert torch.equal(first, again)


def test_a_changed_text_misses_the_cache():
    module = embedder()
    module(**batch_of(TEXTS))
    changed = [TEXTS[0][:-1] + ["!"], TEXTS[1]]
    batch = batch_of(changed)
    features = module(**batch)
    assert len(module._cache) == 3
    assert torch.equal(features, embedder(cache=False)(**batch))


def test_a_changed_model_misses_the_cache(tmp_path):
    changed_model = tmp_path / "tiny-bert-changed"
    shutil.copytree(TINY_BERT, changed_model)
    model = BertModel.from_pretrained(str(changed_model))
    with torch.no_grad():
        # Random noise: a constant shift of the bias would be taken out by the layer norm.
        model.encoder.layer[0].output.dense.weight.add_(torch.randn(16, 32))
    model.save_pretrained(str(changed_model))

    # A shared cache folder, so that a key that did not hold the model would be found.
    batch = batch_of(TEXTS)
    module = embedder(cache_directory=str(tmp_path / "cache"))
    module(**batch)
    assert len(list((tmp_path / "cache").glob("*.pt"))) == len(TEXTS)
    torch.manual_seed(0)
    other = CachedTransformerMismatchedEmbedder(
        str(changed_model), max_length=MAX_LENGTH, cache_directory=str(tmp_path / "cache")
    )
    other._scalar_mix.load_state_dict(module._scalar_mix.state_dict())
    features = other(**batch)
    assert len(list((tmp_path / "cache").glob("*.pt"))) == 2 * len(TEXTS)
    assert not torch.equal(features, module(**batch))
    # Another window length changes the features too, and the key.
    shorter = embedder(cache_directory=str(tmp_path / "cache"))
    shorter._max_length = MAX_LENGTH // 2
    assert shorter._key(*[torch.tensor([1])] * 3) != module._key(*[torch.tensor([1])] * 3)


def test_a_trained_transformer_is_not_cached_and_its_weights_are_saved():
    module = embedder(train_parameters=True)
    assert module._transformer.transformer_model.training
    module.eval()(**batch_of(TEXTS))
    assert module._cache == {}
    assert any(".transformer_model." in name for name in module.state_dict())


def test_frozen_weights_are_left_out_of_the_saved_state_and_checked_on_loading(tmp_path):
    module = embedder()
    state = module.state_dict()
    assert not any(".transformer_model." in name for name in state)
    loaded = embedder()
    loaded.load_state_dict(state, strict=True)
    batch = batch_of(TEXTS)
    assert torch.equal(loaded(**batch), module(**batch))

    changed_model = tmp_path / "tiny-bert-changed"
    shutil.copytree(TINY_BERT, changed_model)
    model = BertModel.from_pretrained(str(changed_model))
    with torch.no_grad():
        model.pooler.dense.bias.add_(0.5)
    model.save_pretrained(str(changed_model))
    other = CachedTransformerMismatchedEmbedder(str(changed_model), max_length=MAX_LENGTH)
    with pytest.raises(LocalTransformerError, match="not the transformer this model was trained"):
        other.load_state_dict(state)


@pytest.fixture
def shipped_tiny_bert(tmp_path, monkeypatch) -> str:
    """An installed Python package `shipped_tiny_bert` that ships the tiny BERT in `model/`."""
    package = tmp_path / "site" / "shipped_tiny_bert"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    shutil.copytree(TINY_BERT, package / "model")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return "shipped_tiny_bert"


def test_a_package_that_ships_the_model_stands_for_its_folder(shipped_tiny_bert):
    folder, config = check_local_transformer(shipped_tiny_bert)
    assert Path(folder).parent.name == "shipped_tiny_bert" and config.hidden_size == 16
    by_folder = LocalTransformerMismatchedIndexer(TINY_BERT, max_length=MAX_LENGTH)
    by_package = LocalTransformerMismatchedIndexer(shipped_tiny_bert, max_length=MAX_LENGTH)
    tokens = [Token(word) for word in TEXTS[0]]
    assert by_package.tokens_to_indices(tokens, Vocabulary()) == by_folder.tokens_to_indices(
        tokens, Vocabulary()
    )
    # The saved model names the package, and loads wherever the package is installed: the
    # frozen weights read from it are those it was trained with.
    trained = embedder()
    state = trained.state_dict()
    loaded = CachedTransformerMismatchedEmbedder(shipped_tiny_bert, max_length=MAX_LENGTH)
    loaded.load_state_dict(state)
    batch = batch_of(TEXTS)
    with torch.no_grad():
        assert torch.equal(
            words(batch, loaded.eval()(**batch)), words(batch, trained.eval()(**batch))
        )


def test_a_model_name_that_is_not_a_local_folder_is_refused(tmp_path):
    # a hub name, a missing path, a module that is not a package, a package without a model
    names = ["sentence-transformers/all-MiniLM-L6-v2", str(tmp_path / "missing"), "json.decoder"]
    for name in names + ["hmtl_allennlp.common"]:
        with pytest.raises(LocalTransformerError, match="HMTL_TRANSFORMER=.* not a local model"):
            LocalTransformerMismatchedIndexer(name, model_name_source="HMTL_TRANSFORMER")
        with pytest.raises(LocalTransformerError, match="HMTL_TRANSFORMER=.* not a local model"):
            CachedTransformerMismatchedEmbedder(name, model_name_source="HMTL_TRANSFORMER")
    incomplete = tmp_path / "incomplete"
    shutil.copytree(TINY_BERT, incomplete)
    (incomplete / "model.safetensors").unlink()
    with pytest.raises(LocalTransformerError, match="HMTL_TRANSFORMER=.* has no weights"):
        CachedTransformerMismatchedEmbedder(str(incomplete), model_name_source="HMTL_TRANSFORMER")


def test_a_hidden_size_other_than_the_configs_is_refused():
    with pytest.raises(
        LocalTransformerError, match="HMTL_TRANSFORMER_DIM=384 does not match .* 16"
    ):
        CachedTransformerMismatchedEmbedder(
            TINY_BERT, output_dim=384, output_dim_source="HMTL_TRANSFORMER_DIM"
        )


def test_windows_longer_than_the_positions_are_refused():
    with pytest.raises(LocalTransformerError, match="max_length=512 .*64 positions"):
        LocalTransformerMismatchedIndexer(TINY_BERT, max_length=512)
    with pytest.raises(LocalTransformerError, match="max_length=512 .*64 positions"):
        CachedTransformerMismatchedEmbedder(TINY_BERT, max_length=512)


def test_a_text_longer_than_the_positions_is_refused_without_windows():
    batch_of(TEXTS, max_length=None)
    with pytest.raises(DataFormatError, match="A text of 80 words .* more than .*64 positions"):
        batch_of([(TEXTS[1] * 3)[:80]], max_length=None)
