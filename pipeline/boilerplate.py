"""Boilerplate: mark the web page's furniture (site chrome) so that analysis never reads it.

Pages saved from a website open with navigation (「當前位置：首頁 > 學習文選」), a byline and
counters (「發布時間：… 來源：… 瀏覽次數：…」, 「字號：大 中 小」) and close with 「上一篇」,
「打印本頁」, 「版權所有」. Such a block is marked ``Block.chrome``: segmentation gives it no
sentences and the title is looked for after it, while the text and every offset stay as they
were (the furniture is still in ``Document.text``; spans index the original).

A block is furniture when it is short and the profile's ``voice_chrome`` pattern finds page
furniture in it, or when it is a breadcrumb trail (short parts joined by ``>`` or ``»``).
"""

from __future__ import annotations

import re

from .document import Document
from .profile import Profile

CHROME_MAX = 120  # a longer block is a paragraph of the document, whatever it mentions
_BREADCRUMB = re.compile(r"^[^。，；]{0,20}(?:\s*[>»›/]\s*[^。，；>»›/]{1,16}){2,}\s*$")


def mark_boilerplate(doc: Document, profile: Profile) -> Document:
    """Stage: set ``Block.chrome`` on the page-furniture blocks of ``doc``."""
    rx, strong, line = (profile.pattern("voice_chrome"), profile.pattern("voice_chrome_strong"),
                        profile.pattern("voice_chrome_line"))
    for block, (a, b) in zip(doc.blocks, doc.block_spans, strict=True):
        if block.kind == "table_row":
            continue
        text = doc.analysis[a:b].strip()
        if not text or len(text) > CHROME_MAX:
            continue
        if _BREADCRUMB.match(text) or (rx.search(text) and not text.endswith("。")) or strong.search(text) or line.match(text):
            block.chrome = True
    return doc
