"""Result formats, checked by the tools that read them."""

import xml.etree.ElementTree as ElementTree

from tasks.pipeline.document import Box, Fragment
from tasks.pipeline.layout import build_page
from tasks.pipeline.render import render_hocr, render_html, render_json, render_text, summary

XHTML = "{http://www.w3.org/1999/xhtml}"


def sample_page(number: int = 1):
    fragments = [
        Fragment("Invoice total", 0.9, Box(100, 100, 400, 140)),
        Fragment("<42> & due", 0.7, Box(100, 160, 350, 200)),
    ]
    return build_page(fragments, number, 800, 600)


def test_hocr_is_well_formed_xhtml_with_pages_lines_and_words():
    root = ElementTree.fromstring(render_hocr([sample_page(1), sample_page(2)], "a & b"))
    classes = [element.get("class") for element in root.iter()]
    assert classes.count("ocr_page") == 2 and classes.count("ocr_line") == 4
    words = [e for e in root.iter(f"{XHTML}span") if e.get("class") == "ocrx_word"]
    assert words[0].text == "Invoice" and words[0].get("title").endswith("x_wconf 90")
    assert words[2].text == "<42>"


def test_counts_and_confidence_are_the_same_in_every_format():
    pages = [sample_page(1), sample_page(2)]
    figures = summary(pages)
    assert (figures["wordCount"], figures["pageCount"]) == (10, 2)
    assert figures["confidence"] == round((2 * 0.9 + 3 * 0.7) / 5, 4)
    assert render_text(pages).decode().count("\f") == 1
    assert b'"wordCount": 10' in render_json("t", pages, {"name": "x"})


def test_the_json_and_html_say_how_each_page_was_turned():
    page = sample_page()
    page.rotation, page.skew = 90, -2.5
    assert '"rotation": 90, "skew": -2.5' in render_json("t", [page], {"name": "x"}).decode()
    assert 'data-rotation="90" data-skew="-2.5"' in render_html([page], "t").decode()
