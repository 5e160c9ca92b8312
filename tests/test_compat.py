"""
The start-up compatibility layer (hmtl_allennlp_compat), exercised as a user meets it: in fresh
interpreters of the project's environment, where the installed .pth file activates it.
"""

import subprocess
import sys
import textwrap

import pytest

# Slow: runs Python (and allennlp) in subprocesses.
pytestmark = pytest.mark.slow


def run_python(code: str, extra_path=None) -> subprocess.CompletedProcess:
    env = None
    if extra_path is not None:
        import os

        env = dict(os.environ, PYTHONPATH=str(extra_path))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_hook_is_active_at_start_up_without_importing_anything():
    result = run_python("""
        import sys
        from hmtl_allennlp_compat import TorchvisionFallbackFinder
        print(any(isinstance(f, TorchvisionFallbackFinder) for f in sys.meta_path))
        print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'spacy', 'allennlp')))
        """)
    assert result.returncode == 0, result.stderr
    active, heavy_modules = result.stdout.splitlines()
    assert active == "True"
    # The .pth runs in every interpreter: it must not pull in anything heavy.
    assert heavy_modules == "[]"


def test_allennlp_starts_and_torchvision_fails_only_on_use():
    result = run_python("""
        import torchvision
        import torchvision.ops.boxes as box_ops
        import allennlp.data  # imports torchvision unconditionally
        import hmtl_allennlp_compat
        print(hmtl_allennlp_compat.torchvision_is_stand_in())
        try:
            torchvision.transforms.Resize
        except ImportError as error:
            print("ImportError:", error)
        """)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    if lines[0] == "False":
        # A real, working torchvision is installed: it was used, and it works.
        assert len(lines) == 1
    else:
        assert lines[1].startswith("ImportError: torchvision.transforms is unavailable")


def test_working_torchvision_is_used_untouched(tmp_path):
    package = tmp_path / "torchvision"
    (package / "ops").mkdir(parents=True)
    (package / "__init__.py").write_text("__version__ = 'real'\nfrom torchvision import ops\n")
    (package / "ops" / "__init__.py").write_text("def nms():\n    return 'real nms'\n")
    result = run_python(
        """
        import torchvision, hmtl_allennlp_compat
        print(
            torchvision.__version__,
            torchvision.ops.nms(),
            hmtl_allennlp_compat.torchvision_is_stand_in(),
        )
        """,
        extra_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["real", "real", "nms", "False"]


def test_broken_torchvision_is_replaced_and_partial_imports_are_cleaned(tmp_path):
    package = tmp_path / "torchvision"
    package.mkdir()
    (package / "extension.py").write_text("LOADED = True\n")
    (package / "__init__.py").write_text(
        "from torchvision import extension\n"
        "raise RuntimeError('operator torchvision::nms does not exist')\n"
    )
    result = run_python(
        """
        import sys
        import torchvision
        import hmtl_allennlp_compat
        print(hmtl_allennlp_compat.torchvision_is_stand_in())
        print("torchvision.extension" in sys.modules)
        print(hmtl_allennlp_compat.torchvision_failure)
        """,
        extra_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    stand_in, leftover, failure = result.stdout.splitlines()
    assert stand_in == "True"
    assert leftover == "False"
    assert failure == "RuntimeError: operator torchvision::nms does not exist"


def test_blank_english_pipeline_tokenizes_and_splits_offline():
    from hmtl_allennlp_compat import blank_english_pipeline

    document = blank_english_pipeline()("Marie Curie won. She lived in Paris, France.")
    sentences = [[token.text for token in sentence] for sentence in document.sents]
    assert sentences == [
        ["Marie", "Curie", "won", "."],
        ["She", "lived", "in", "Paris", ",", "France", "."],
    ]
