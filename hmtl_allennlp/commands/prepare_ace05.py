"""
The `hmtl-prepare-ace05` subcommand: converts the ACE 2005 release (LDC2006T06) into the DyGIE
JSON files of the standard 351/80/80 split that `hmtl_ace05` reads.
"""

import argparse
from pathlib import Path

from allennlp.commands.subcommand import Subcommand
from allennlp.common.checks import ConfigurationError

from hmtl_allennlp.convert.ace05 import (
    RELATION_LABEL_CHOICES,
    SPAN_CHOICES,
    SYMMETRIC_CHOICES,
    ConversionOptions,
    convert_release,
)


@Subcommand.register("hmtl-prepare-ace05")
class PrepareAce05(Subcommand):
    """
    `allennlp hmtl-prepare-ace05 LDC_DIR OUT_DIR` reads the English `timex2norm` `.sgm` and
    `.apf.xml` files of the ACE 2005 release under `LDC_DIR` (`data/English/<genre>/timex2norm/`)
    and writes `OUT_DIR/train.json`, `dev.json` and `test.json` in DyGIE JSON (one document per
    line, document-level token offsets with inclusive ends; mentions, relations and coreference
    clusters from the entity ids) for the standard 351/80/80 document split shipped with the
    package (`--split-dir` for another), and `OUT_DIR/stats.json`: the options, the counts of
    each split and everything dropped or changed. docs/ACE05.md has the conventions.

    A document that cannot be converted (absent from the release, malformed XML, offsets that
    do not match the `.sgm`) is reported with the file and what is wrong; the others are still
    converted, the failures are listed in `stats.json`, and the command exits with status 1.
    The files are complete or absent: they are written under temporary names, then renamed.

    Registered as a `Subcommand` with name "hmtl-prepare-ace05".
    """

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "Convert the ACE 2005 release (LDC2006T06) into DyGIE JSON train/dev/test files of "
            "the standard 351/80/80 split, with mentions, relations and coreference clusters."
        )
        subparser = parser.add_parser(
            self.name,
            description=description,
            help="Convert ACE 2005 (LDC2006T06) into DyGIE JSON train/dev/test files.",
        )
        add_arguments(subparser)
        subparser.set_defaults(func=prepare_from_args)
        return subparser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `hmtl-prepare-ace05`."""
    parser.add_argument(
        "ldc_dir", type=Path, help="the root of the LDC2006T06 release (with data/English/)"
    )
    parser.add_argument(
        "out_dir", type=Path, help="where to write train.json, dev.json, test.json, stats.json"
    )
    parser.add_argument(
        "--split-dir",
        type=Path,
        help="a folder with train.txt, dev.txt and test.txt (one document id a line) instead "
        "of the standard split",
    )
    parser.add_argument(
        "--span",
        choices=SPAN_CHOICES,
        default="head",
        help="the mention span: the head or the full extent",
    )
    parser.add_argument(
        "--keep-pronouns",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep pronoun mentions (--no-keep-pronouns drops them)",
    )
    parser.add_argument(
        "--symmetric-relations",
        choices=SYMMETRIC_CHOICES,
        default="keep",
        help="keep: relations as annotated; both: also the reverse of PER-SOC and PHYS.Near",
    )
    parser.add_argument(
        "--relation-labels",
        choices=RELATION_LABEL_CHOICES,
        default="type",
        help="type: the 6 coarse types; subtype: TYPE.SUBTYPE",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace output files that already exist"
    )


def prepare_from_args(args: argparse.Namespace) -> None:
    options = ConversionOptions(
        span=args.span,
        keep_pronouns=args.keep_pronouns,
        symmetric_relations=args.symmetric_relations,
        relation_labels=args.relation_labels,
    )
    try:
        statistics = convert_release(
            args.ldc_dir, args.out_dir, args.split_dir, options, force=args.force
        )
    except ConfigurationError as error:
        raise SystemExit(f"allennlp hmtl-prepare-ace05: error: {error}")
    total = statistics["total"]
    print(
        f"Wrote {total['documents']} documents ({total['sentences']} sentences, "
        f"{sum(total['mentions'].values())} mentions, {sum(total['relations'].values())} "
        f"relations, {total['clusters']} clusters) to {args.out_dir}; statistics in "
        f"{args.out_dir / 'stats.json'}."
    )
    failures = statistics["failures"]
    if failures:
        lines = [f"  {failure['split']}: {failure['error']}" for failure in failures]
        raise SystemExit(
            f"allennlp hmtl-prepare-ace05: {len(failures)} of {total['documents_listed']} "
            "listed documents could not be converted:\n" + "\n".join(lines)
        )
