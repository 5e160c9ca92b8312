"""
`python -m hmtl_allennlp SUBCOMMAND ...` is `allennlp SUBCOMMAND ...` with this plugin loaded,
e.g. `python -m hmtl_allennlp hmtl-prepare-ace05 LDC_DIR OUT_DIR`.
"""

from allennlp.commands import main

import hmtl_allennlp  # noqa: F401 - registers the plugin's subcommands

if __name__ == "__main__":
    main(prog="python -m hmtl_allennlp")
