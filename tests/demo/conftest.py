import threading

import pytest
from allennlp.models.archival import load_archive

from hmtl_allennlp.demo import DemoServer


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
