#!/usr/bin/env bash
# Creates (or reuses) the virtual environment .venv and installs everything into it, in the order
# that AllenNLP 2.10.1 on Python 3.11 needs:
#   1. torch, alone (a plain `torch` would pull a multi-GB CUDA build);
#   2. allennlp and allennlp-models WITHOUT their dependencies (their declared pins, e.g.
#      torch<1.13 and spacy<3.4, cannot be met on Python 3.11);
#   3. the runtime dependencies they really import, at exact versions (requirements/runtime.txt);
#   4. Dask distributed, the engine of `allennlp hmtl-annotate` (the `annotate` extra), at exact
#      versions (requirements/annotate.txt);
#   5. the lint tools of `make lint`, at exact versions (requirements/lint.txt);
#   6. this package, editable, without dependencies.
# A second run with an unchanged requirements/ only re-checks the environment (about a second).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.hmtl-setup-stamp"
fingerprint=$(cat requirements/*.txt pyproject.toml | sha256sum | cut -c1-16)

fail() { echo "setup: $*" >&2; exit 1; }

# Every `allennlp` command imports all of allennlp-models, whose rc/tools/narrativeqa.py checks for
# nltk's "punkt" resource at import and, when it is missing, downloads "punkt" and "wordnet":
# offline that prints "[nltk_data] Error loading ..." lines on every run. nltk >= 3.9 never reads
# "punkt" (it reads "punkt_tab", and redirects loads of punkt's pickles there), and nothing here
# uses wordnet, so an empty "punkt" resource in the environment's own nltk_data folder (one of
# nltk's default search paths) answers that check, and no download is tried.
nltk_punkt_resource() {
    local punkt="$VENV/nltk_data/tokenizers/punkt"
    [ -f "$punkt/README" ] && return
    mkdir -p "$punkt"
    echo "Empty on purpose: see scripts/setup_env.sh (nltk_punkt_resource)." > "$punkt/README"
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$fingerprint" ]; then
    "$VENV/bin/python" scripts/check_env.py \
        || fail "the environment in $VENV is broken (see above). Remove it with 'rm -rf $VENV' and run make again."
    nltk_punkt_resource
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    python=""
    for candidate in "${PYTHON:-}" python3.11 python3; do
        if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            python=$candidate
            break
        fi
    done
    [ -n "$python" ] || fail "Python 3.11 is required (AllenNLP 2.10 and torch 2.13 wheels); none found as python3.11 or python3. Set PYTHON=/path/to/python3.11."
    "$python" -c 'import venv, ensurepip' 2>/dev/null \
        || fail "$python has no venv/ensurepip module (on Debian/Ubuntu: apt-get install python3.11-venv)."
    echo "setup: creating $VENV with $python"
    "$python" -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || fail "$VENV was made with another Python than 3.11. Remove it with 'rm -rf $VENV' and run make again."

pip=("$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off -q)
start=$(date +%s)
echo "setup: 1/6 torch"
"${pip[@]}" -r requirements/torch.txt
echo "setup: 2/6 allennlp, allennlp-models (without their stale pins)"
"${pip[@]}" --no-deps -r requirements/allennlp.txt
echo "setup: 3/6 pinned runtime dependencies (pip then lists allennlp's unmet pins: expected, see README)"
"${pip[@]}" -r requirements/runtime.txt
echo "setup: 4/6 Dask distributed (allennlp hmtl-annotate)"
"${pip[@]}" -r requirements/annotate.txt
echo "setup: 5/6 lint tools (flake8, black, mypy)"
"${pip[@]}" -r requirements/lint.txt
echo "setup: 6/6 hmtl_allennlp (editable)"
"${pip[@]}" --no-deps -e .

"$VENV/bin/python" scripts/check_env.py || fail "the fresh environment does not match requirements/ (see above)."
nltk_punkt_resource
"$VENV/bin/python" -c "import torchvision, allennlp.commands, hmtl_allennlp" \
    || fail "the environment was installed but 'import allennlp.commands, hmtl_allennlp' fails (see above)."
echo "$fingerprint" > "$STAMP"
echo "setup: done in $(( $(date +%s) - start )) s; $(du -sh "$VENV" | cut -f1) in $VENV"
