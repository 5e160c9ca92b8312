"""
Fast sanity check of the environment against requirements/ (no heavy imports: it reads
installed package metadata only, so it costs well under a second). Exits non-zero with one line
per problem, e.g. a wrong torch or a missing dependency.
"""

import re
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")


def problems(requirements_dir: Path = ROOT / "requirements"):
    for requirements in sorted(requirements_dir.glob("*.txt")):
        for line in requirements.read_text().splitlines():
            match = PIN.match(line.strip())
            if not match:
                continue
            name, wanted = match.groups()
            try:
                installed = metadata.version(name)
            except metadata.PackageNotFoundError:
                yield f"{name} is missing (wanted {wanted}, from {requirements.name})"
                continue
            # A local build tag (torch's "+cpu") is the same release.
            if installed.split("+")[0] != wanted.split("+")[0]:
                yield f"{name} is {installed}, wanted {wanted} (from {requirements.name})"
    try:
        metadata.version("hmtl-allennlp")
    except metadata.PackageNotFoundError:
        yield "hmtl-allennlp itself is not installed"
    if not (Path(sysconfig.get_paths()["purelib"]) / "hmtl_allennlp_compat.pth").exists():
        yield "hmtl_allennlp_compat.pth is missing from site-packages (reinstall the package)"


if __name__ == "__main__":
    found = list(problems())
    for problem in found:
        print(f"environment: {problem}", file=sys.stderr)
    sys.exit(1 if found else 0)
