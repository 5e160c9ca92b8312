#!/usr/bin/env bash
# `make demo`: serves the web demo (allennlp hmtl-demo) of the repository's pretrained model,
# models/<name>/model.tar.gz (the newest, if several), else of the newest quick-start archive,
# output/quickstart-*/model.tar.gz. HOST and PORT (default 127.0.0.1 and 8000) choose the
# address.
set -euo pipefail
cd "$(dirname "$0")/.."

newest() { ls -t "$@" 2>/dev/null | head -n 1 || true; }
archive=$(newest models/*/model.tar.gz)
if [ -z "$archive" ]; then
    archive=$(newest output/quickstart-*/model.tar.gz)
fi
if [ -z "$archive" ]; then
    cat >&2 <<'NONE'
demo: no model to serve. Looked for a pretrained model in models/<name>/model.tar.gz and for a
quick-start archive in output/quickstart-*/model.tar.gz; there is neither. Either
  - run `make quickstart` (about 6 minutes on 2 CPU cores) and then `make demo` again, or
  - serve any archive yourself: .venv/bin/allennlp hmtl-demo path/to/model.tar.gz
NONE
    exit 1
fi
echo "demo: serving $archive"
exec .venv/bin/allennlp hmtl-demo "$archive" --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" \
    --include-package hmtl_allennlp
