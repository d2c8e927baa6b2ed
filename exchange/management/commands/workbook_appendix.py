from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from exchange.appendix import appendix_text

APPENDIX = Path(settings.BASE_DIR) / "docs" / "exchange-workbook-appendix.md"


class Command(BaseCommand):
    help = "Rewrites docs/exchange-workbook-appendix.md from the importer's tables of header wording and value words."

    def handle(self, *args: Any, **options: Any) -> None:
        APPENDIX.write_text(appendix_text(), encoding="utf-8")
        self.stdout.write(str(APPENDIX))
