"""Importing the plugin registers its classes and changes nothing else."""

import json
import subprocess
import sys
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter: this test process has long imported the plugin.
IMPORT_AND_COMPARE = """
import json, os, sys
import allennlp.commands  # every subcommand of the allennlp command
from allennlp.common.plugins import import_plugins
import_plugins()  # allennlp_models, as the allennlp command loads it

def attributes(module):
    # The module's names, and the methods and attributes of the classes it defines.
    found = {}
    for attribute, value in vars(module).items():
        found[attribute] = id(value)
        if isinstance(value, type) and value.__module__ == module.__name__:
            for member, member_value in vars(value).items():
                found[f"{attribute}.{member}"] = id(member_value)
    return found

def snapshot():
    return {
        name: attributes(module)
        for name, module in list(sys.modules.items())
        if module is not None and name.split(".")[0] in ("allennlp", "allennlp_models")
    }

environment = dict(os.environ)
before = snapshot()
import hmtl_allennlp
after = snapshot()
print(json.dumps({
    "environment": {
        name: os.environ.get(name)
        for name in set(environment) | set(os.environ)
        if environment.get(name) != os.environ.get(name)
    },
    "replaced": [
        f"{name}.{attribute}"
        for name, attributes in before.items()
        for attribute, identity in attributes.items()
        if after[name].get(attribute) != identity
    ],
    "registered": "hmtl" in __import__("allennlp.models").models.Model.list_available(),
}))
"""


def test_importing_the_plugin_changes_no_environment_variable_and_no_allennlp_object(tmp_path):
    # From a folder without an .allennlp_plugins file, so that nothing imports the plugin early.
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_AND_COMPARE],
        cwd=tmp_path,
        env={"PATH": "", "PYTHONPATH": str(REPOSITORY_ROOT), "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["registered"]
    assert report["environment"] == {}
    assert report["replaced"] == []
