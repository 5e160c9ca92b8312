import sys
import threading
from pathlib import Path

import pytest
import torch
from allennlp.models.archival import load_archive

from hmtl_allennlp.demo import DemoServer

# The predictor tests' fixture model is shared: it is trained once, into the session's base
# temporary directory, by whichever tests ask first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "predictors"))
from hmtl_fixture_archive import REPOSITORY_ROOT, archived_fixture_model  # noqa: E402


@pytest.fixture(scope="session")
def archive_path(tmp_path_factory):
    """The archived fixture model (see `hmtl_fixture_archive`), trained once per session."""
    return archived_fixture_model(tmp_path_factory.getbasetemp() / "hmtl_fixture_model")


@pytest.fixture(scope="session")
def repository_root():
    return REPOSITORY_ROOT


@pytest.fixture(scope="module")
def start_demo_server(archive_path):
    """
    A function that starts the demo's server on a free port, serving in a thread until the end
    of the module: for the fixture model, or for `archive` (named `name`); its other keyword
    arguments go to `DemoServer`.
    """
    started = []

    def start(archive=None, name=None, **kwargs):
        if archive is None:
            archive, name = load_archive(str(archive_path)), str(archive_path)
        server = DemoServer(archive, name, port=0, **kwargs)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started.append((server, thread))
        return server

    yield start
    for server, thread in started:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The tensors are tiny: more threads only wait for each other on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
