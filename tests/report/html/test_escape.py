"""Text and links of the page stay text and links also after one more decoding (Spyglass's
HTML lens puts the page into an ``<iframe srcdoc>``)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest

from compiler.report.html import page, render
from compiler.report.html.escape import ZWSP, text, url

from .builders import WF, node, workflow

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "</pre><script>alert(2)</script>",
    "&lt;script&gt;alert(3)&lt;/script&gt;",  # markup once decoded
    "&#60;b&#62;bold&#x3c;/b>",
    "a & b && c < d <= e",
    "\"quoted\" 'single'",
]


class Tags(HTMLParser):
    """The tags and character references the browser would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tags: list[str] = []
        self.references: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)

    def handle_entityref(self, name: str) -> None:
        self.references.append(name)

    def handle_charref(self, name: str) -> None:
        self.references.append(name)


def parsed(document: str) -> Tags:
    tags = Tags()
    tags.feed(document)
    tags.close()
    return tags


@pytest.mark.parametrize("value", HOSTILE)
def test_text_makes_no_markup_and_no_reference_even_decoded_once_more(value: str) -> None:
    escaped = text(value)
    assert escaped.replace(ZWSP, "") == value  # shows as it is
    assert html.unescape(escaped) == escaped  # a second decoding changes nothing
    found = parsed(f"<p>{escaped}</p>")
    assert (found.tags, found.references) == (["p", "/p"], [])


def test_text_of_other_values_and_of_what_needs_nothing() -> None:
    assert text(42) == "42" and text(None) == "None"
    assert text('plain > text "quoted"') == 'plain > text "quoted"'
    assert text("<<&&") == f"<{ZWSP}<{ZWSP}&{ZWSP}&{ZWSP}"


@pytest.mark.parametrize(
    "link",
    [
        "https://argo.example/workflows/ns/wf-1",
        "http://localhost:2746/workflows/kubeflow-test-infra/wf?tab=workflow",
        "https://github.com/kubeflow/testing/pull/7#issuecomment-1",
    ],
)
def test_a_plain_http_link_is_kept_as_it_is(link: str) -> None:
    assert url(link) == link


@pytest.mark.parametrize(
    "link",
    [
        None,
        "",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example/x",
        "//argo.example/wf",
        " https://argo.example/wf",  # not at the start
        "HTTPS://argo.example/wf",
        'https://x/" onmouseover="alert(1)',
        "https://x/'",
        "https://x/<script>",
        "https://x/>",
        "https://x\\y",
        "https://x/`",
        "https://x/a b",
        "https://x/a\tb",
        "https://x/a\nb",
        "https://x/?a=1&quot;onclick=alert(1)",
        "https://x/?a=&lt;",
        "https://x/?a=&#60;",
        "https://x/?a=&#x3c",
        "https://x/?q=1&tab=2",  # could be a reference (&tab;) once decoded
    ],
)
def test_a_link_that_is_not_plain_http_is_not_a_link(link: str | None) -> None:
    assert url(link) is None


def test_the_page_shows_hostile_names_and_messages_as_text() -> None:
    """What a step printed, a node's name, a link from finished.json: on the page as text."""
    hostile = HOSTILE[0]
    wf = workflow(
        node("root", "DAG", "Failed", children=("a",)),
        node("a", phase="Failed", display=f"step{hostile}", message=f"died {HOSTILE[2]}"),
    )
    document = render.render(
        page.for_workflows(
            [(wf, None)],
            ui_urls={WF: 'https://argo/" onmouseover="alert(1)'},
            missing={f"entry{HOSTILE[1]}": "Invalid"},
            junit_files=[
                (
                    "artifacts/junit_<b>x</b>.xml",
                    b'<testsuite name="&lt;i&gt;suite"><testcase name="&lt;script&gt;t">'
                    b'<failure message="&amp;lt;b&amp;gt;">&lt;/pre&gt;&lt;img src=x&gt;</failure>'
                    b"</testcase></testsuite>",
                )
            ],
        )
    )
    found = parsed(document)
    assert not {"img", "script"} & set(found.tags)
    assert found.tags.count("pre") == found.tags.count("/pre")  # none closed early
    assert found.references == []
    assert "onmouseover" not in document and "Argo UI" in document  # the label, without a link
    assert f"step<{ZWSP}img src=x onerror=alert(1)>" in document
    assert f"died &{ZWSP}lt;script&{ZWSP}gt;" in document
    assert f"entry<{ZWSP}/pre><{ZWSP}script>" in document
    # A junit file's path, suite, testcase and failure: as the file says them, decoded once.
    assert f"junit_<{ZWSP}b>x<{ZWSP}/b>.xml" in document
    assert f"<{ZWSP}script>t" in document and f"&{ZWSP}lt;b&{ZWSP}gt;" in document
    assert f"<{ZWSP}/pre><{ZWSP}img src=x>" in document


def test_a_good_link_on_the_page() -> None:
    wf = workflow(node("root", "DAG", "Failed", children=("a",)), node("a", phase="Failed"))
    document = render.render(
        page.for_workflows([(wf, None)], ui_urls={WF: "https://argo.example/workflows/ns/wf"})
    )
    assert '<a href="https://argo.example/workflows/ns/wf" target="_blank"' in document
