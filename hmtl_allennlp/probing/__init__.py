from hmtl_allennlp.probing.tasks import (
    ParsedSentence,
    ProbingExample,
    build_probing_tasks,
    read_parsed_sentences,
    task_statistics,
)
