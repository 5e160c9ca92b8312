"""
Converters between corpora's own formats and the formats of this package: the ACE 2005 release
to DyGIE JSON (`hmtl-prepare-ace05`), and coreference clusters to CoNLL-2012 key and response
files for the official scorer (`hmtl-coref-export`).
"""
