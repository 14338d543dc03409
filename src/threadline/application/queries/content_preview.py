"""How a comment would look: the text through the same content rules and the same renderer and
sanitizer the projector uses, so a preview never shows what the published comment would not."""

from __future__ import annotations

from threadline.application.ports.projection import ContentRenderer
from threadline.domain.rules import valid_content


def content_preview(content: str, content_format: str, renderer: ContentRenderer) -> str:
    return renderer.render(valid_content(content), content_format)
