"""Reading order: an engine's own layout, words placed into it, or an XY-cut of words alone."""

from itertools import pairwise

import pytest

from tasks.pipeline.document import Box, Fragment, Page
from tasks.pipeline.layout import Guide, build_page, split_words


def fragment(text: str, left: int, top: int, height: int = 20, confidence: float = 0.9):
    return Fragment(text, confidence, Box(left, top, left + 12 * len(text), top + height))


def column(texts: list[str], left: int, top: int, pitch: int = 28) -> list[Fragment]:
    """Lines of one column, `pitch` pixels apart (8 px of line spacing at height 20)."""
    return [fragment(text, left, top + n * pitch) for n, text in enumerate(texts)]


def test_lines_read_top_to_bottom_and_left_to_right_whatever_the_detector_order():
    # Words 10 px apart, half the text height: one line, not two columns.
    detected = [fragment("world", 70, 12), fragment("second", 0, 40), fragment("hello", 0, 10)]
    detected.append(fragment("line", 82, 38))
    page = build_page(detected, 1, 400, 100)
    assert [line.text for line in page.lines] == ["hello world", "second line"]
    assert page.text == "hello world\nsecond line"


def test_two_columns_are_read_one_after_the_other():
    left = column(["left one", "left two", "left three"], 0, 0)
    right = column(["right one", "right two", "right three"], 300, 0)
    page = build_page(right[::-1] + left, 1, 600, 100)
    assert [line.text for line in page.lines] == [
        "left one",
        "left two",
        "left three",
        "right one",
        "right two",
        "right three",
    ]
    assert len(page.blocks) == 2


def test_a_heading_over_two_columns_comes_first():
    heading = [fragment("The heading", 0, 0)]
    body = column(["left a", "left b"], 0, 60) + column(["right a", "right b"], 300, 60)
    page = build_page(body + heading, 1, 600, 200)
    assert [block.text for block in page.blocks] == [
        "The heading",
        "left a\nleft b",
        "right a\nright b",
    ]


def test_paragraphs_split_at_gaps_wider_than_line_spacing():
    page = build_page(column(["one", "two"], 0, 0) + column(["three"], 0, 100), 1, 300, 200)
    assert [block.text for block in page.blocks] == ["one\ntwo", "three"]
    assert page.text == "one\ntwo\n\nthree"


def test_fragments_become_words_with_their_share_of_the_box():
    words = split_words(Fragment("ab cdef", 0.8, Box(0, 0, 70, 10)))
    assert [(w.text, w.box.left, w.box.right) for w in words] == [("ab", 0, 20), ("cdef", 30, 70)]


def test_page_confidence_is_the_mean_word_confidence():
    page = build_page(
        [fragment("a b", 0, 0, confidence=0.5), fragment("c", 200, 0, confidence=1.0)], 1, 300, 30
    )
    assert page.confidence == round((0.5 + 0.5 + 1.0) / 3, 4)


def test_blank_fragments_are_dropped():
    assert build_page([fragment("  ", 0, 0)], 1, 10, 10).blocks == []


def keyed(text: str, left: int, top: int, key: tuple[int, int, int]) -> Fragment:
    return Fragment(text, 0.9, Box(left, top, left + 12 * len(text), top + 20), key)


def test_an_engines_own_layout_is_kept_in_its_order():
    # Tesseract's order, even where geometry alone would read otherwise: its blocks win.
    fragments = [
        keyed("Right", 300, 0, (1, 1, 1)),
        keyed("first", 372, 0, (1, 1, 1)),
        keyed("then", 300, 28, (1, 1, 2)),
        keyed("Left", 0, 0, (2, 1, 1)),
        keyed("second", 0, 60, (2, 2, 1)),
    ]
    page = build_page(fragments, 1, 600, 100)
    assert [block.text for block in page.blocks] == ["Right first\nthen", "Left", "second"]


def two_column_guide() -> Guide:
    """Tesseract's layout of a title over two columns of two lines each."""
    title = [keyed("Title over both", 0, 0, (1, 1, 1))]
    left = [keyed("aaaa bbbb", 0, 60, (2, 1, 1)), keyed("cccc dddd", 0, 88, (2, 1, 2))]
    right = [keyed("eeee ffff", 300, 60, (3, 1, 1)), keyed("gggg hhhh", 300, 88, (3, 1, 2))]
    return Guide.from_page(build_page(title + right + left, 1, 600, 200))


def test_words_of_another_engine_follow_the_guide_even_when_their_boxes_span_columns():
    # EasyOCR-like fragments: one box runs across the gutter, joining both columns' lines.
    fragments = [
        fragment("Title over both", 0, 0),
        Fragment("aaaa bbbb eeee ffff", 0.9, Box(0, 60, 408, 80)),
        Fragment("cccc dddd gggg hhhh", 0.9, Box(0, 88, 408, 108)),
    ]
    page = build_page(fragments, 1, 600, 200, two_column_guide())
    assert page.text == "Title over both\n\neeee ffff\ngggg hhhh\n\naaaa bbbb\ncccc dddd"


def test_words_of_a_tilted_scan_keep_to_the_line_they_sit_on():
    # Tilted 1.6 degrees, each line's upright box runs into the next one's: a word inside
    # both went to the later line (found in review: EasyOCR's reading of a tilted page
    # jumbled, CER 0.12 where Tesseract's own reads 0.00).
    def tilted(line: int, n: int) -> Box:
        top = 28 * line + round(0.028 * 100 * n)
        return Box(100 * n, top, 100 * n + 80, top + 20)

    lines = [[f"w{line}x{n}" for n in range(12)] for line in range(3)]
    keyed_words = [
        Fragment(text, 0.9, tilted(line, n), (1, 1, line + 1))
        for line, texts in enumerate(lines)
        for n, text in enumerate(texts)
    ]
    guide = Guide.from_page(build_page(keyed_words, 1, 1300, 200))
    keyless = [Fragment(f.text, f.confidence, f.box) for f in keyed_words]

    assert build_page(keyless, 1, 1300, 200, guide).text == "\n".join(map(" ".join, lines))
    # Without a guide (a photo Tesseract cannot read), XY-cut: its lines grew with each
    # word's box, and every line below joined the first.
    assert build_page(keyless, 1, 1300, 200).text == "\n".join(map(" ".join, lines))


def word(text: str, left: int, top: int, height: int = 20, width: int | None = None) -> Fragment:
    return Fragment(text, 0.9, Box(left, top, left + (width or 12 * len(text)), top + height))


@pytest.mark.parametrize(
    ("fragments", "lines"),
    [
        # Set closely, the next line's taller first word reaches into this one.
        (
            [
                *(word("one", 0, 0), word("two", 50, 0), word("three", 100, 0)),
                *(word("Über", 0, 10, height=32), word("vier", 60, 22), word("fünf", 120, 22)),
            ],
            ["one two three", "Über vier fünf"],
        ),
        # A superscript, and a mark with a letter after it, keep to their line.
        (
            [word("word", 0, 0), word("1", 48, 0, height=8, width=6), word("next", 60, 0)],
            ["word 1 next"],
        ),
        (
            [
                *(word("word", 0, 0), word("'", 48, 0, height=6, width=4)),
                *(word("s", 52, 12, height=8, width=6), word("next", 70, 0)),
            ],
            ["word ' s next"],
        ),
    ],
)
def test_lines_without_a_guide_keep_their_words(fragments, lines):
    assert build_page(fragments, 1, 300, 100).text == "\n".join(lines)


def test_words_the_guide_missed_are_laid_out_where_they_stand():
    fragments = [fragment("Title over both", 0, 0), fragment("aaaa bbbb", 0, 60)]
    fragments += [fragment("cccc dddd", 0, 88), fragment("eeee ffff", 300, 60)]
    fragments += [fragment("gggg hhhh", 300, 88), fragment("a caption", 0, 140)]
    page = build_page(fragments, 1, 600, 200, two_column_guide())
    assert page.blocks[-1].text == "a caption"
    assert len(page.blocks) == 4


def test_a_guide_that_does_not_fit_the_words_is_not_followed():
    fragments = column(["one", "two"], 0, 400) + column(["three"], 0, 500)
    page = build_page(fragments, 1, 600, 600, two_column_guide())
    assert page.text == "one\ntwo\n\nthree"


def test_the_page_says_which_engine_and_languages_read_it_and_how_it_was_turned():
    page = build_page(
        [fragment("hallo", 0, 0)], 1, 100, 30, engine="easyocr", languages=["deu"], skew=-2.4
    )
    again = Page.from_dict(page.to_dict())
    assert (again.engine, again.languages, again.skew) == ("easyocr", ["deu"], -2.4)
    stored_before_levelling = page.to_dict()
    del stored_before_levelling["skew"]
    assert Page.from_dict(stored_before_levelling).skew == 0.0


def test_a_block_with_a_gutter_through_it_is_read_as_columns():
    # Tesseract's one block, line by line across a menu and a panel beside it.
    fragments = [
        keyed("Profile", 0, 0, (1, 1, 1)),
        keyed("Choose how we tell you", 300, 0, (1, 1, 1)),
        keyed("Security", 0, 28, (1, 1, 2)),
        keyed("about your workspace", 300, 28, (1, 1, 2)),
        keyed("changes: by email,", 300, 56, (1, 1, 3)),
        keyed("in the app, or not", 300, 84, (1, 1, 4)),
        keyed("at all.", 300, 112, (1, 1, 5)),
    ]
    page = build_page(fragments, 1, 700, 200)
    assert page.text == (
        "Profile\nSecurity\n\nChoose how we tell you\nabout your workspace\n"
        "changes: by email,\nin the app, or not\nat all."
    )


def test_a_menu_whose_every_item_sits_beside_a_panel_line_is_read_as_columns():
    # Every line runs across the gutter, as rows' do; but two lines, and no label.
    fragments = [
        keyed("Profile", 0, 0, (1, 1, 1)),
        keyed("Choose how we tell you", 300, 0, (1, 1, 1)),
        keyed("Security", 0, 28, (1, 1, 2)),
        keyed("about your workspace", 300, 28, (1, 1, 2)),
    ]
    page = build_page(fragments, 1, 700, 100)
    assert page.text == "Profile\nSecurity\n\nChoose how we tell you\nabout your workspace"


@pytest.mark.parametrize(
    "rows",
    [
        # A form: a label, then its value.
        [("Full name:", "Margaret Ellison"), ("Born:", "14 March 1979"), ("City:", "Ashford")],
        # A table, an invoice, a receipt: no colon anywhere (read as columns before, found
        # in review: every item, then every amount).
        [("Region", "Units sold"), ("North", "1,204"), ("South", "987")],
        [("Coffee beans", "12.50"), ("Oat milk", "2.10"), ("Total", "14.60")],
    ],
)
def test_rows_across_a_gutter_stay_rows(rows):
    fragments = [
        fragment
        for line, (label, value) in enumerate(rows, start=1)
        for fragment in (
            keyed(label, 0, 28 * line, (1, 1, line)),
            keyed(value, 300, 28 * line, (1, 1, line)),
        )
    ]
    page = build_page(fragments, 1, 700, 200)
    assert page.text == "\n".join(f"{label} {value}" for label, value in rows)


def test_a_table_cut_into_blocks_side_by_side_is_read_row_by_row():
    # Tesseract's blocks for a levelled black-and-white invoice: the items with their
    # quantities, then each column of prices, then the total's label on its own.
    items = [("Oak desk, 140 cm", "2"), ("Task chair, grey", "4"), ("Subtotal", "")]
    prices = ["389.00", "145.50", ""]
    amounts = ["778.00", "582.00", "1,360.00", "1,632.00"]
    fragments = [
        keyed(f"{item} {quantity}".strip(), 0, 28 * row, (1, 1, row))
        for row, (item, quantity) in enumerate(items)
    ]
    fragments += [
        keyed(price, 300, 28 * row, (2, 1, row)) for row, price in enumerate(prices) if price
    ]
    fragments += [keyed(amount, 450, 28 * row, (3, 1, row)) for row, amount in enumerate(amounts)]
    fragments += [keyed("Total due", 0, 28 * 3, (4, 1, 1))]
    page = build_page(fragments, 1, 600, 200)
    assert page.text == (
        "Oak desk, 140 cm 2 389.00 778.00\nTask chair, grey 4 145.50 582.00\n"
        "Subtotal 1,360.00\nTotal due 1,632.00"
    )


def test_figures_beside_long_descriptions_are_read_as_their_rows():
    items = ["Steel hammer with rubber grip, 500 g head", "Set of six screwdrivers in a case"]
    items.append("Adjustable wrench, chrome vanadium, 250 mm")
    fragments = [keyed(item, 0, 28 * row, (1, 1, row)) for row, item in enumerate(items)]
    fragments += [keyed(f"{row + 1}", 560, 28 * row, (2, 1, row)) for row in range(3)]
    fragments += [keyed(f"{9 + row}.90", 620, 28 * row, (3, 1, row)) for row in range(3)]
    page = build_page(fragments, 1, 700, 200)
    assert page.text == "\n".join(
        f"{item} {row + 1} {9 + row}.90" for row, item in enumerate(items)
    )


@pytest.mark.parametrize(
    ("line", "top"),
    [
        ("word word word word", 0),  # two columns of prose, their lines level
        ("word", 0),  # a list of words beside a paragraph, each level with a line of it
        ("12.50", 56),  # figures beside a paragraph, only two of them level with it
    ],
)
def test_blocks_side_by_side_that_are_no_table_are_read_one_after_the_other(line, top):
    left = [keyed("a paragraph of prose here", 0, 28 * row, (1, 1, row)) for row in range(4)]
    right = [keyed(line, 400, top + 28 * row, (2, 1, row)) for row in range(4)]
    page = build_page(left + right, 1, 700, 300)
    assert [block.text for block in page.blocks] == [
        "\n".join(["a paragraph of prose here"] * 4),
        "\n".join([line] * 4),
    ]


def test_a_note_in_the_margin_beside_a_table_is_not_read_into_its_rows():
    cities = [("Oslo", "4 C"), ("Bergen", "7 C"), ("Tromso", "-3 C")]
    fragments = [keyed("See note 4", 0, 28, (1, 1, 1))]
    fragments += [keyed(city, 300, 28 * row, (2, 1, row)) for row, (city, _) in enumerate(cities)]
    fragments += [keyed(value, 500, 28 * row, (3, 1, row)) for row, (_, value) in enumerate(cities)]
    page = build_page(fragments, 1, 700, 200)
    assert [block.text for block in page.blocks] == [
        "See note 4",
        "Oslo 4 C\nBergen 7 C\nTromso -3 C",
    ]


STAFF = [("Name", "Department", "Office"), ("Anna Berg", "Finance", "Leeds")]
STAFF += [("Tomas Reyes", "Marketing", "Bristol"), ("Helen Park", "Legal", "London")]
STAFF += [("Samuel Osei", "Research", "Cambridge"), ("Priya Nair", "Operations", "Glasgow")]


def test_a_table_of_words_cut_into_blocks_side_by_side_is_read_row_by_row():
    # Tesseract's blocks for a scanned staff directory: names with their departments, then
    # the offices (read as a column after the page's last paragraph, found in the corpus).
    fragments = [
        keyed(text, left, 28 * row, (1, 1, row))
        for row, (name, department, _) in enumerate(STAFF)
        for text, left in ((name, 0), (department, 200))
    ]
    fragments += [keyed("Please keep this list up to date.", 0, 28 * 7, (2, 1, 1))]
    fragments += [
        keyed(office, 400, 28 * row, (3, 1, row)) for row, (*_, office) in enumerate(STAFF)
    ]
    page = build_page(fragments, 1, 600, 300)
    assert [block.text for block in page.blocks] == [
        "\n".join(" ".join(row) for row in STAFF),
        "Please keep this list up to date.",
    ]


def test_a_forms_labels_found_again_are_read_beside_values_a_photograph_tilted():
    # A phone photo of a form: the labels Tesseract's layout passed over, found again (a
    # negative block), then its block of values, each half a text height above its label.
    rows = [("Full name", "Margaret Ellison"), ("Date of birth", "14 March 1979")]
    rows += [("Address", "27 Orchard Close, Ashford"), ("Postcode", "TN24 8QP")]
    rows += [("Telephone", "01233 556 120"), ("Membership type", "Family (two adults)")]
    fragments = [keyed(label, 0, 60 * row, (-1, 1, row)) for row, (label, _) in enumerate(rows)]
    fragments += [
        keyed(value, 300, 60 * row - 10, (2, 1, row)) for row, (_, value) in enumerate(rows)
    ]
    page = build_page(fragments, 1, 700, 400)
    assert page.text == "\n".join(f"{label} {value}" for label, value in rows)


LISTS = {
    "menu": (
        ["Starters", "Tomato soup", "Garlic bread", "Prawn cocktail", "Onion rings"],
        ["Mains", "Roast lamb", "Fish and chips", "Chicken pie", "Veggie burger"],
    ),
    "recipe": (
        ["2 eggs", "200 g flour", "100 ml milk", "1 pinch salt", "Butter"],
        ["Whisk the eggs", "Add the flour", "Pour the milk", "Season it", "Fry them"],
    ),
    "checklist": (
        ["Sun cream", "First aid kit", "Torch", "Maps", "Water bottles"],
        ["Tent pegs", "Rain jackets", "Stove", "Matches", "Sleeping bags"],
    ),
}


@pytest.mark.parametrize("lists", list(LISTS))
@pytest.mark.parametrize("blocks", [(1, 2), (-1, -2)])  # read, or both found again
def test_two_lists_side_by_side_that_tesseract_kept_apart_are_read_one_after_the_other(
    lists, blocks
):
    # Found in review: read across, row by row, "Tomato soup Roast lamb".
    (left, right), (first, second) = LISTS[lists], blocks
    fragments = [keyed(line, 0, 28 * row, (first, 1, row)) for row, line in enumerate(left)]
    fragments += [keyed(line, 400, 28 * row, (second, 1, row)) for row, line in enumerate(right)]
    page = build_page(fragments, 1, 700, 300)
    assert [block.text for block in page.blocks] == ["\n".join(left), "\n".join(right)]


@pytest.mark.parametrize(
    ("rows", "listed", "offset", "town"),
    [
        (5, 5, 0, ""),  # an address beside a letter's references: two lists of one column
        # Rows of two cells, as a table's, but:
        (4, 4, 0, "Leeds"),  # four lines, as likely a short address
        (6, 6, 14, "Leeds"),  # lines that stand half a line apart are not rows
        (5, 12, 0, "Leeds"),  # a long list beside a short one: most of it level with nothing
    ],
)
def test_columns_of_words_that_are_no_table_are_read_one_after_the_other(
    rows, listed, offset, town
):
    left = [keyed(f"Street {row}", 0, 28 * row, (1, 1, row)) for row in range(rows)]
    left += [keyed(town, 200, 28 * row, (1, 1, row)) for row in range(rows) if town]
    right = [keyed(f"Ref {row}", 400, 28 * row + offset, (2, 1, row)) for row in range(listed)]
    page = build_page(sorted(left, key=lambda f: f.line_key) + right, 1, 700, 400)
    assert [block.text for block in page.blocks] == [
        "\n".join(f"Street {row} {town}".strip() for row in range(rows)),
        "\n".join(f"Ref {row}" for row in range(listed)),
    ]


def test_a_word_two_overlapping_regions_both_read_is_kept_once():
    fragments = [
        Fragment("call us in advance", 0.9, Box(0, 0, 216, 20)),
        Fragment("advance so that", 0.9, Box(150, 2, 330, 22)),
        fragment("the the", 340, 0),
    ]
    page = build_page(fragments, 1, 600, 40)
    assert page.text == "call us in advance so that the the"


def test_two_columns_read_across_a_block_every_item_are_read_column_by_column():
    # Tesseract's blocks for a photographed menu: each pair of items level across the
    # gutter its own block, both columns' lines read across (found in the sixth session:
    # read block by block, starters and mains woven, CER 0.449 against bare 0.013).
    left = ["Soups", "Tomato soup with basil oil and warm", "sourdough, 6.50"]
    left += ["Mackerel salad with beetroot and cress", "9.75"]
    left += ["Puy lentils with roasted squash and feta", "8.95", "Sandwiches"]
    right = ["Mains", "Haddock with chips, peas and tartare", "sauce, 15.50"]
    right += ["Mussels in cider and cream with crusty", "bread, 14.00"]
    right += ["Wild mushroom risotto with parmesan", "12.75", "Puddings"]
    blocks = [(1, [0]), (2, [1, 2]), (3, [3, 4]), (4, [5, 6]), (5, [7])]
    fragments = [keyed("The Harbour Cafe", 150, 0, (9, 1, 1))]
    for block, rows in blocks:
        for line, row in enumerate(rows, start=1):
            top = 40 + 28 * row
            fragments.append(keyed(left[row], 0, top, (10 + block, 1, line)))
            fragments.append(keyed(right[row], 560, top, (10 + block, 1, line)))
    fragments.append(keyed("Please tell us about any allergies", 0, 300, (20, 1, 1)))
    page = build_page(fragments, 1, 1100, 400)
    lines = [line for line in page.text.split("\n") if line]
    assert lines == ["The Harbour Cafe", *left, *right, fragments[-1].text]


@pytest.mark.parametrize(
    "rows",
    [
        # A table of short cells, a block every row.
        [("Oak desk", "389.00"), ("Task chair", "145.50"), ("Desk lamp", "32.90")],
        # Long descriptions beside their figures.
        [("Steel hammer with rubber grip, 500 g", "9.90"), ("Set of six screwdrivers", "4.50")],
        # Sentences beside sentences, an agenda's times beside its items, words beside
        # words (found in review: read column by column when some line was prose).
        [
            ("How do I reset my password today", "Use the link on the sign in page"),
            ("Can I change my delivery address later", "Yes, until the parcel has been sent"),
            ("What if my parcel arrives damaged", "Send us a photo within two days"),
        ],
        [
            ("9.00 to 10.30 am", "Welcome and opening remarks by the chair"),
            ("10.30 to 11.00 am", "Coffee in the main hall"),
            ("11.00 am to 12.30 pm", "Workshops in the three side rooms"),
        ],
        [("Steel hammer with rubber grip", "2 pcs at 4.50 EUR"), ("Set of six", "1 pc at 7 EUR")],
    ],
)
def test_a_tables_rows_each_a_block_stay_rows(rows):
    fragments = [
        fragment
        for row, (item, amount) in enumerate(rows, start=1)
        for fragment in (
            keyed(item, 0, 28 * row, (row, 1, 1)),
            keyed(amount, 560, 28 * row, (row, 1, 1)),
        )
    ]
    page = build_page(fragments, 1, 700, 200)
    assert page.text.replace("\n\n", "\n").split("\n") == [
        part for item, amount in rows for part in (item, amount)
    ]


STATEMENT = [  # date, description (and its second line, wrapped), paid out, balance
    ("01 Mar", "Balance brought forward", None, "", "2,314.56"),
    ("01 Mar", "Direct debit Northern Water reference", "0048812937 monthly", "42.10", "2,272.46"),
    ("02 Mar", "Card payment Greenway Supermarket", None, "63.85", "2,208.61"),
    ("03 Mar", "Card payment Station Cafe", None, "4.20", "2,204.41"),
    ("04 Mar", "Standing order to J Morrison rent", "for March flat 4", "850.00", "1,354.41"),
    ("05 Mar", "Card payment City Books", None, "17.99", "1,336.42"),
    ("06 Mar", "Transfer to savings account", None, "200.00", "1,136.42"),
]


def test_a_tables_columns_cut_into_blocks_where_its_cells_wrap_are_read_row_by_row():
    """Found reading a bank statement: Tesseract cut each column into blocks of a row or
    three where a description wrapped to a second line, and the table was read column by
    column, its dates first (CER 0.472; the `tesseract` command 0.614)."""
    tops, top = [], 0
    for row in STATEMENT:
        tops.append(top)
        top += 56 if row[2] else 28
    # Tesseract's blocks: each column cut after a row that wraps.
    cuts = [0, 2, 5, len(STATEMENT)]
    fragments, block = [], 0
    for column, left in ((0, 0), (1, 150), (3, 750), (4, 900)):
        for start, end in pairwise(cuts):
            block += 1
            for line, number in enumerate(range(start, end), start=1):
                row, y = STATEMENT[number], tops[number]
                if row[column]:
                    fragments.append(keyed(row[column], left, y, (block, 1, 2 * line)))
                if column == 1 and row[2]:
                    fragments.append(keyed(row[2], left, y + 28, (block, 1, 2 * line + 1)))
    page = build_page(fragments, 1, 1100, 400)
    expected = []
    for date, description, wrapped, paid, balance in STATEMENT:
        expected.append(" ".join(cell for cell in (date, description, paid, balance) if cell))
        expected += [wrapped] if wrapped else []
    assert page.text == "\n".join(expected)


def test_a_block_read_after_a_block_under_it_and_across_it_is_read_before_it():
    """Found reading a bank statement: Tesseract read the header's right-hand block (its
    sort code) after the table under it, which runs across the page."""
    fragments = [keyed("Harbourside Bank", 0, 0, (1, 1, 1))]
    fragments += [keyed("Ms Rebecca Thornton", 0, 60, (2, 1, 1))]
    fragments += [
        keyed(cell, left, 200 + 28 * n, (3, 1, n))
        for n, row in enumerate(ROWS)
        for cell, left in zip(row, (0, 150, 800), strict=True)
    ]
    fragments += [keyed("Sort code: 40-12-76", 600, 60, (4, 1, 1))]
    page = build_page(fragments, 1, 1000, 400)
    assert [block.text for block in page.blocks] == [
        "Harbourside Bank",
        "Ms Rebecca Thornton",
        "Sort code: 40-12-76",
        "\n".join(" ".join(row) for row in ROWS),
    ]


ROWS = [("01 Mar", "Balance brought forward", "2,314.56"), ("02 Mar", "City Books", "17.99")]
ROWS += [("03 Mar", "Salary", "2,145.00")]


def test_a_second_column_read_after_the_first_stays_after_it():
    left = [keyed("left column line", 0, 28 * row, (1, 1, row)) for row in range(6)]
    right = [keyed("right column line", 500, 28 * row, (2, 1, row)) for row in range(6)]
    footer = [keyed("A footer across the page, under both columns", 0, 400, (3, 1, 1))]
    page = build_page(left + right + footer, 1, 1000, 500)
    assert [block.text for block in page.blocks] == [
        "\n".join(["left column line"] * 6),
        "\n".join(["right column line"] * 6),
        "A footer across the page, under both columns",
    ]


def test_a_column_of_prices_beside_items_whose_last_prices_were_read_on_their_rows_joins_them():
    """Found reading a photographed receipt: Tesseract read the last two items with their
    prices, which reached the items' block past the left edge of the other prices, found
    again; those were read after all the items (CER 0.223)."""
    items = ["Milk 2L", "Bread 800g", "Eggs x12", "Bananas", "Cheese 400g", "Carrier bag"]
    prices = ["1.45", "1.10", "3.20", "0.78", "3.75", "0.10"]
    fragments = [keyed(item, 0, 30 * row, (3, 1, row)) for row, item in enumerate(items)]
    fragments += [keyed(prices[row], 400, 30 * row, (3, 1, row)) for row in (4, 5)]
    fragments += [keyed(prices[row], 405, 30 * row, (-1, 1, row)) for row in range(4)]
    page = build_page(fragments, 1, 500, 200)
    assert page.text == "\n".join(map(" ".join, zip(items, prices, strict=True)))


def test_a_column_of_tax_codes_beside_a_receipts_prices_joins_their_rows():
    """Found on receipts drawn for a review: each price's tax band ("A", "B"), read down as
    one tall word, then found again as a column of letters, was read after the page."""
    items = ["Milk 2L", "Bread 800g", "Eggs x12", "Soap"]
    prices, codes = ["1.45", "1.10", "3.20", "0.78"], ["A", "A", "A", "B"]
    fragments = []
    for row, item in enumerate(items):
        fragments += [
            keyed(item, 0, 30 * row, (1, 1, row)),
            keyed(prices[row], 200, 30 * row, (1, 1, row)),
        ]
    fragments += [keyed(code, 300, 30 * row, (-1, 1, row)) for row, code in enumerate(codes)]
    fragments.append(keyed("Thank you", 0, 200, (2, 1, 1)))
    page = build_page(fragments, 1, 400, 250)
    rows = [
        f"{item} {price} {code}" for item, price, code in zip(items, prices, codes, strict=True)
    ]
    assert page.text == "\n".join(rows) + "\n\nThank you"
