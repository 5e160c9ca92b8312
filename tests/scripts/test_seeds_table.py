"""scripts/results/summarize.py, seeds_table.py and runs_table.py on small fake run
directories."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from hmtl_allennlp.metrics.item_counts import write_counts_file
from hmtl_allennlp.metrics.significance import F1_COUNTS

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "results"
# seeds_table imports convergence_table from its own folder, as it does when run as a script.
sys.path.insert(0, str(SCRIPTS))


def load(name):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


summarize = load("summarize")
seeds_table = load("seeds_table")
significance = load("significance")
runs_table = load("runs_table")


def fake_run(directory: Path, levels, dev_curves, batches_per_epoch, cap, right):
    """
    A run of train_runs.sh: config, per-epoch metrics (dev F1 of each level per epoch, the
    checkpoint kept at the best mean), and item counts of 100 NER sentences with one gold span
    each, `right` of them found.
    """
    directory.mkdir(parents=True)
    config = {
        "model": {"levels": {level: {} for level in levels}},
        "data_loader": {"scheduler": {}},
        "trainer": {"num_epochs": cap},
    }
    (directory / "config.json").write_text(json.dumps(config))
    epochs = len(next(iter(dev_curves.values())))
    means = [sum(curve[epoch] for curve in dev_curves.values()) for epoch in range(epochs)]
    for epoch in range(epochs):
        kept = max(range(epoch + 1), key=lambda e: means[e])
        metrics = {"best_epoch": kept, "training_duration": "0:01:00"}
        for level in levels:
            metrics[f"validation_{level}_f1"] = dev_curves[level][epoch]
            metrics[f"trained_{level}_batches"] = (epoch + 1) * batches_per_epoch[level]
        (directory / f"metrics_epoch_{epoch}.json").write_text(json.dumps(metrics))
    (directory / "wall_seconds").write_text("60")
    items = {f"d{index}/0": [1 if index < right else 0, 1, 1] for index in range(100)}
    levels_counts = {
        "ner": {"metric": "ner_f1", "score": "f1", "item": "sentence", "counts": F1_COUNTS,
                "value": right / 100, "items": items},  # fmt: skip
    }
    write_counts_file(str(directory / "item_counts.json"), "model.tar.gz", {}, levels_counts)


@pytest.fixture
def tables(tmp_path, monkeypatch, capsys):
    """The numbers of seeds_table.py on fake runs, and the tables it prints."""
    runs = tmp_path / "runs" / "conll04"
    full_batches = {"ner": 30, "emd": 2}
    # The configs' own seed: capped at 3 epochs, still improving; seed 2 stops by patience.
    fake_run(
        runs / "full_conll_coref",
        ["ner", "emd"],
        {"ner": [0.5, 0.6, 0.7], "emd": [0.4, 0.5, 0.6]},
        full_batches,
        3,
        right=80,
    )
    fake_run(
        runs / "full_conll_coref_seed2",
        ["ner", "emd"],
        {"ner": [0.5, 0.72, 0.7], "emd": [0.4, 0.5, 0.45]},
        full_batches,
        5,
        right=78,
    )
    fake_run(runs / "ner", ["ner"], {"ner": [0.4, 0.5, 0.45]}, {"ner": 40}, 15, right=50)
    fake_run(runs / "ner_seed2", ["ner"], {"ner": [0.4, 0.52, 0.5]}, {"ner": 40}, 15, right=52)
    counts = tmp_path / "item_counts"
    summary = tmp_path / "summary.json"
    arguments = ["summarize.py", "conll04", "--runs", str(tmp_path / "runs"), "--output",
                 str(summary), "--item-counts", str(counts)]  # fmt: skip
    monkeypatch.setattr(sys, "argv", arguments)
    summarize.main()
    assert sorted(path.name for path in counts.iterdir()) == [
        "full_conll_coref.json", "full_conll_coref_seed2.json", "ner.json", "ner_seed2.json"
    ]  # fmt: skip
    output = tmp_path / "seeds.json"
    arguments = ["seeds_table.py", str(summary), "--item-counts", str(counts), "--output",
                 str(output), "--trials", "999"]  # fmt: skip
    monkeypatch.setattr(sys, "argv", arguments)
    capsys.readouterr()
    seeds_table.main()
    return json.loads(output.read_text()), capsys.readouterr().out


def test_rows_give_mean_sd_and_each_seed_at_the_kept_checkpoint(tables):
    tables, table = tables
    rows = {(row["task"], row["run"]): row for row in tables["rows"]}
    full = rows[("ner", "full_conll_coref")]
    # Kept: the last epoch for the default seed (70.0), epoch 2 of 3 for seed 2 (72.0).
    assert full["seeds"]["default"]["dev"] == 70.0 and full["seeds"]["2"]["dev"] == 72.0
    assert (full["mean"], full["std"]) == (71.0, 1.41)
    assert full["seeds"]["default"]["lower_bound"] and not full["seeds"]["2"]["lower_bound"]
    assert full["seeds"]["2"]["epoch"] == 2 and full["seeds"]["2"]["epochs_run"] == 3
    # Updates to the kept checkpoint: all tasks' batches, and NER's own.
    assert full["seeds"]["default"]["updates"] == 96 and full["seeds"]["2"]["updates"] == 64
    assert full["seeds"]["default"]["task_updates"] == 90
    alone = rows[("ner", "ner")]
    assert (alone["mean"], alone["std"]) == (51.0, 1.41)
    assert ("emd", "full_conll_coref") in rows
    assert "| NER | HMTL full model (`full_conll_coref`) | 71.00 +- 1.41 (lower bound) |" in table
    assert "default: 70.00, 2: 72.00" in table


def test_full_against_alone_with_p_values_per_seed(tables):
    tables, table = tables
    (comparison,) = tables["comparisons"]  # EMD has no single-task run here
    assert (comparison["task"], comparison["full"], comparison["single"]) == (
        "ner",
        "full_conll_coref",
        "ner",
    )
    assert comparison["difference"] == 20.0
    assert comparison["seeds"] == ["default", "2"]
    p = comparison["p"]
    # 80 against 50 and 78 against 52 of 100 sentences: far from chance in every seed.
    assert set(p["per_seed"]) == {"2", "default"}
    assert p["largest"] == max(p["per_seed"].values()) == 1 / 1000
    assert p["pooled"] == 1 / 1000
    assert p["missing"] == []
    updates = tables["updates"]["full_conll_coref"]
    assert updates == {"full": 80, "single_runs": {"ner": 80}}
    assert (
        "| NER | `full_conll_coref` 71.00 | `ner` 51.00 | +20.00 | 2 | 0.0010 | 0.0010 |" in table
    )


def test_missing_counts_are_named(tmp_path):
    summary = {
        "corpus": "conll04",
        "runs": {
            name: {
                "epochs_run": 1,
                "epoch_cap": 2,
                "kept_epoch": 0,
                "tasks": {"ner": {"kept": {"dev": 50.0, "epoch": 0, "updates": 1,
                                           "task_updates": 1}}},  # fmt: skip
            }
            for name in ("full_conll_coref", "ner")
        },
    }
    tables = seeds_table.make_tables(summary, tmp_path, trials=10)
    (comparison,) = tables["comparisons"]
    assert comparison["p"]["missing"] == ["full_conll_coref.json", "ner.json"]
    assert comparison["p"]["largest"] is None
    assert "(no counts: full_conll_coref.json, ner.json)" in seeds_table.format_tables(tables)


def test_significance_script_compares_two_counts_files(tmp_path, monkeypatch, capsys):
    for name, right in (("a", 80), ("b", 50)):
        items = {f"d{index}/0": [1 if index < right else 0, 1, 1] for index in range(100)}
        counts = {"metric": "ner_f1", "score": "f1", "item": "sentence", "counts": F1_COUNTS,
                  "value": right / 100, "items": items}  # fmt: skip
        write_counts_file(str(tmp_path / f"{name}.json"), "model.tar.gz", {}, {"ner": counts})
    arguments = ["significance.py", str(tmp_path / "a.json"), str(tmp_path / "b.json"),
                 "--trials", "99"]  # fmt: skip
    monkeypatch.setattr(sys, "argv", arguments)
    assert significance.main() == 0
    line = capsys.readouterr().out.splitlines()[1].split()
    assert line == ["ner", "80.00", "50.00", "+30.00", "100", "0.0100"]
    monkeypatch.setattr(sys, "argv", arguments + ["--level", "emd"])
    assert significance.main() == 2
    assert "has no counts of level 'emd'" in capsys.readouterr().err


def test_run_rows_give_the_kept_checkpoint_and_mark_capped_runs(tmp_path, monkeypatch, capsys):
    runs = tmp_path / "runs" / "conll04"
    # Capped at 3 epochs, still improving; the other stops by patience after its best epoch.
    fake_run(runs / "emd_relation_glove", ["emd"], {"emd": [0.4, 0.5, 0.6]}, {"emd": 29}, 3, 60)
    fake_run(runs / "ner_transformer", ["ner"], {"ner": [0.5, 0.7, 0.6]}, {"ner": 40}, 15, 70)
    summary = tmp_path / "summary.json"
    arguments = ["summarize.py", "conll04", "--runs", str(tmp_path / "runs"), "--output",
                 str(summary)]  # fmt: skip
    monkeypatch.setattr(sys, "argv", arguments)
    summarize.main()
    arguments = ["runs_table.py", str(summary), "emd_relation_glove=GloVe", "ner_transformer"]
    monkeypatch.setattr(sys, "argv", arguments)
    capsys.readouterr()
    runs_table.main()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| run | NER | EMD | updates |")
    assert lines[2] == "| GloVe (`emd_relation_glove`) | - | 60.00 | 87 | 3 of 3 (capped) | 0.3 |"
    assert lines[3] == "| ner_transformer (`ner_transformer`) | 70.00 | - | 80 | 2 of 3 | 0.3 |"
    monkeypatch.setattr(sys, "argv", ["runs_table.py", str(summary), "full_glove"])
    with pytest.raises(SystemExit, match="no run full_glove"):
        runs_table.main()


def test_emd_without_a_run_of_its_own_is_compared_with_emd_and_relations(tmp_path):
    def run(tasks):
        return {
            "epochs_run": 1,
            "epoch_cap": 2,
            "kept_epoch": 0,
            "tasks": {
                task: {"kept": {"dev": dev, "epoch": 0, "updates": 1, "task_updates": 1}}
                for task, dev in tasks.items()
            },
        }

    summary = {
        "corpus": "conll04",
        "runs": {
            "full_conll_coref": run({"emd": 78.0, "relation": 56.0}),
            "emd_relation": run({"emd": 77.0, "relation": 59.0}),
        },
    }
    tables = seeds_table.make_tables(summary, tmp_path, trials=10)
    compared = {c["task"]: (c["single"], c["difference"]) for c in tables["comparisons"]}
    assert compared == {"emd": ("emd_relation", 1.0), "relation": ("emd_relation", -3.0)}
    rows = {(row["task"], row["run"]) for row in tables["rows"]}
    assert ("emd", "emd_relation") in rows


def test_variants_of_the_full_model_are_compared_with_proportional_sampling(tmp_path):
    def run(dev):
        return {
            "epochs_run": 1,
            "epoch_cap": 2,
            "kept_epoch": 0,
            "tasks": {"ner": {"kept": {"dev": dev, "epoch": 0, "updates": 1, "task_updates": 1}}},
        }

    # Proportional sampling finds 50 of 100 sentences' entities in both seeds, annealed
    # sampling 80 and 60: far apart on the configs' seed, 10 points on seed 2.
    found = {"full_conll_coref": 50, "full_conll_coref_seed2": 50,
             "full_annealed": 80, "full_annealed_seed2": 60}  # fmt: skip
    for name, right in found.items():
        items = {f"d{index}/0": [1 if index < right else 0, 1, 1] for index in range(100)}
        counts = {"metric": "ner_f1", "score": "f1", "item": "sentence", "counts": F1_COUNTS,
                  "value": right / 100, "items": items}  # fmt: skip
        write_counts_file(str(tmp_path / f"{name}.json"), "model.tar.gz", {}, {"ner": counts})
    summary = {"corpus": "conll04", "runs": {name: run(right) for name, right in found.items()}}
    # A seed of the variant alone is in its row but not in the comparison's means.
    summary["runs"]["full_annealed_seed3"] = run(100.0)
    # A task of the variant that the proportional run lacks is not compared.
    summary["runs"]["full_annealed"]["tasks"]["emd"] = summary["runs"]["full_annealed"]["tasks"][
        "ner"
    ]
    tables = seeds_table.make_tables(summary, tmp_path, trials=999)
    assert tables["comparisons"] == []  # no single-task run here
    (variant,) = tables["variants"]
    assert (variant["task"], variant["variant"], variant["proportional"]) == (
        "ner",
        "full_annealed",
        "full_conll_coref",
    )
    assert (variant["variant_mean"], variant["proportional_mean"], variant["difference"]) == (
        70.0,
        50.0,
        20.0,
    )
    assert variant["seeds"] == ["default", "2"]
    rows = {(row["task"], row["run"]): row for row in tables["rows"]}
    assert rows[("ner", "full_annealed")]["mean"] == 80.0
    p = variant["p"]
    assert p["per_seed"]["default"] == 1 / 1000 < p["per_seed"]["2"] == p["largest"]
    assert p["pooled"] == 1 / 1000
    table = seeds_table.format_tables(tables)
    assert "| NER | `full_annealed` 70.00 | `full_conll_coref` 50.00 | +20.00 | 2 |" in table


def test_the_training_time_of_a_recovered_run_adds_its_parts():
    # Two parts: the first killed after its epoch 1 (8 and 15 minutes in), the second
    # continued with --recover from that checkpoint (its clock starts again).
    metrics = [
        {"training_duration": "0:08:00"},
        {"training_duration": "0:15:00.5"},
        {"training_duration": "0:05:00"},
        {"training_duration": "1:00:10"},
    ]
    assert summarize.training_seconds(metrics) == 15 * 60 + 3610
    assert summarize.training_seconds(metrics[:2]) == 900
    assert summarize.training_seconds([{"epoch": 0}]) is None
