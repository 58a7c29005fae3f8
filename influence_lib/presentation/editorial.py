"""The optional editorial that opens the report: its Markdown rendered without raw HTML, links kept safe."""

from __future__ import annotations

from pathlib import Path

from influence_lib.errors import SettingsError
from influence_lib.html import escape
from influence_lib.inputs import read_input_bytes
from influence_lib.presentation.links import safe_url
from influence_lib.settings import Editorial

MAX_EDITORIAL_BYTES = 200_000


def _renderer():
    import mistune

    class SafeRenderer(mistune.HTMLRenderer):
        """Markdown to HTML where raw HTML is shown as text and only http(s) links stay links."""

        def link(self, text, url, title=None):
            target = safe_url(url)
            return text if target is None else f'<a href="{escape(target)}" rel="noopener nofollow">{text}</a>'

        def image(self, text, url, title=None):
            return escape(text or "")  # no remote image: the report stays self-contained

    return mistune.create_markdown(renderer=SafeRenderer(escape=True))


def editorial_html(editorial: Editorial, dataset_dir: str | Path) -> str:
    """The editorial as an HTML section: title, author, then the text.

    Raises
    ------
    SettingsError
        When the file named in ``dataset.yml`` is missing, too large or not UTF-8.
    """
    path = Path(dataset_dir) / editorial.file
    try:  # a plain file of the dataset folder (never a pipe, a device or a link out), read up to the limit
        raw = read_input_bytes(path, Path(dataset_dir), SettingsError, limit=MAX_EDITORIAL_BYTES, what="an editorial")
    except OSError:
        raise SettingsError(f"{path}: the editorial named in dataset.yml is missing; add the file or remove "
                            f"the editorial entry") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: the editorial is not UTF-8 text; save it as UTF-8") from None
    body = _renderer()(text)
    return (f'<section class="editorial"><h1>{escape(editorial.title)}</h1>'
            f'<p class="byline">Par {escape(editorial.author)}</p>{body}</section>')
