"""Teach the tokenizer the catalogue's own vocabulary: recurring title pieces become
jieba words (var/jieba_catalogue.txt). Rebuild the index afterwards so that stored word
tokens match what queries produce; recall never depends on it (grams do that)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from search import tokenize
from standards.models import Standard


class Command(BaseCommand):
    help = "从标准名称中提取检索词典（并可重建索引）"

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="写入词典后重建检索索引")

    def handle(self, *args, rebuild=False, **options):
        titles = Standard.objects.listed().values_list("title", flat=True)
        terms = tokenize.catalogue_terms(titles)
        path = tokenize.CATALOGUE_DICTIONARY
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{term} {10 + count} n" for term, count in sorted(terms.items())]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tokenize.reload_dictionaries()
        self.stdout.write(self.style.SUCCESS(f"检索词典：{len(terms)} 个词 → {path}"))
        if rebuild:
            call_command("rebuild_index", interactive=False, verbosity=options.get("verbosity", 1))
