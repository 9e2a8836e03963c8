"""The corpus's phone photos of paper: a notice, a page of a novel, a café menu, a form
and a journal article's first page."""

from bench.corpus_layout import Style, page

NOTICE = {
    "title": Style("Helvetica-Bold", 28, 34, space_after=6, align="center"),
    "subtitle": Style("Helvetica-Bold", 16, 20, space_after=18, align="center"),
    "body": Style("Helvetica", 14, 19, space_after=14),
    "contact": Style("Helvetica-Bold", 13, 17, space_after=0, align="center"),
}
BOOK = {
    "running": Style("Times-Italic", 9, 12, space_after=20, align="center"),
    "chapter": Style("Times-Bold", 14, 18, space_after=14, align="center"),
    "body": Style("Times-Roman", 12, 16, space_after=0, first_indent=16, align="justify"),
    "folio": Style("Times-Roman", 10, 13, space_after=0, align="center"),
}
MENU = {
    "title": Style("Times-Bold", 26, 30, space_after=4, align="center"),
    "subtitle": Style("Times-Italic", 13, 16, space_after=0, align="center"),
    "heading": Style("Helvetica-Bold", 14, 18, space_after=8),
    "body": Style("Times-Roman", 12.5, 16, space_after=10),
    "footer": Style("Times-Italic", 10.5, 13, space_after=0, align="center"),
}

WATER_NOTICE = """
[1 1 6.5]
title: NOTICE TO RESIDENTS
subtitle: Planned interruption to the water supply

Thames Valley Water will be replacing a section of the water main under Greenway Road on
Wednesday 17 April. To carry out the work safely, the supply to the addresses listed
below will be turned off from 9 am until approximately 4 pm.

Affected properties: 2 to 48 Greenway Road (even numbers), 1 to 15 Birch Close, and the
flats at Kingsley Court.

Please fill a kettle and a few bottles of drinking water the evening before. When the
supply is restored, the water may look cloudy or discoloured for a short time. This is
harmless and should clear if you run the cold kitchen tap for a few minutes.

Customers who rely on water for medical equipment, or who need extra help, should call
us in advance so that we can arrange a delivery of bottled water.

We apologise for any inconvenience and thank you for your patience.

[1 8.6 6.5]
contact: Questions? Call 0800 555 0142, quoting reference GR-2291.
"""

NOVEL_PAGE = """
[0.75 0.6 4]
running: THE LIGHTHOUSE KEEPER'S YEAR

chapter: Chapter Four: The Winter Gales

The first of the winter gales arrived in the second week of November, a day earlier than
the almanac had promised. By noon the sea had turned the colour of slate, and the spray
was reaching the gallery windows, nearly a hundred feet above the rocks. Arthur lit the
lamp an hour early and sat beside it with his logbook open, writing down the wind speed
every thirty minutes as the rules required.

There was nothing else to do. The supply boat would not come until the weather broke,
and the radio brought only static and the occasional faint voice of a trawler captain
asking for a forecast that nobody could give him. Arthur had enough oil for six weeks
and enough food for four, and he had long ago stopped worrying about the difference.

On the third night the storm reached its height. The whole tower seemed to hum, a low
note that he felt in his teeth rather than heard, and twice the great lens shuddered in
its bath of mercury. He climbed the stairs every hour to check the clockwork and to wipe
the salt from the inside of the glass, where it had somehow found its way through the
seals.

When the wind finally dropped, on the morning of the fifth day, he went out onto the
gallery and looked down. The landing stage had gone, and with it the iron ladder that
led up from the water. He made a note of the damage in the logbook, in the same careful
hand he used for everything else, and then went down to make himself a cup of tea.

[0.75 7.95 4]
folio: 57
"""

CAFE_MENU = """
[0.9 0.9 6.7]
title: The Harbour Café
subtitle: Lunch served daily from twelve until three

[0.9 2 3.15]
heading: Soups and salads

Roast tomato soup with basil oil and warm sourdough, 6.50

Smoked mackerel salad with beetroot, horseradish and watercress, 9.75

Puy lentils with roasted squash, feta and toasted seeds, 8.95

heading: Sandwiches

Crab and lemon mayonnaise on brown bread, 10.50

Cheddar and apple chutney on a toasted bloomer, 7.25

[4.45 2 3.15]
heading: Mains

Beer-battered haddock with chips, peas and tartare sauce, 15.50

Mussels in cider and cream with crusty bread, 14.00

Wild mushroom risotto with parmesan and rocket, 12.75

heading: Puddings

Sticky toffee pudding with clotted cream, 6.75

Lemon posset with shortbread, 6.25

[0.9 8.2 6.7]
footer: Please tell us about any allergies before you order. A discretionary service
charge of ten percent is added to tables of six or more.
"""

FORM = {
    "title": Style("Helvetica-Bold", 20, 24, space_after=4),
    "body": Style("Helvetica", 12, 15, space_after=7),
    "label": Style("Helvetica-Bold", 10.5, 13, space_after=0),
    "value": Style("Helvetica", 10.5, 13, space_after=0),
}
# A form filled in, its bold labels without colons, photographed (found in the fifth
# session: Tesseract's layout passed every label over, in ocrapp as in the `tesseract`
# command); the photograph tilts each row, so a value stands a little above its label.
LIBRARY_ROWS = [
    ("Surname", "Okafor"),
    ("First names", "Daniel James"),
    ("Date of birth", "2 September 1988"),
    ("Home address", "14 Willow Street, Leyton"),
    ("Postcode", "E10 5PX"),
    ("Telephone", "020 7946 0310"),
    ("Email", "d.okafor@example.net"),
    ("Card type", "Adult"),
    ("Home branch", "Leyton Library"),
]
LIBRARY_FORM = (
    """
[0.9 0.9 6.7]
title: Library card application

Please fill in every box in capital letters or type. Bring proof of your address when you
collect your card.
"""
    + "".join(
        f"[0.9 {2.3 + 0.5 * row:.2f} 2.2]\nlabel: {label}\n[3.2 {2.3 + 0.5 * row:.2f} 4.4]\n"
        f"value: {value}\n"
        for row, (label, value) in enumerate(LIBRARY_ROWS)
    )
    + """
[0.9 7.1 6.7]
Your card will be ready to collect from your home branch within five working days.
"""
)

# A journal article's first page: small type, in two columns under a title and an abstract
# across (a photo of it was read upside down: its orientation taken from Tesseract's check
# over a reading only a little short of confident).
JOURNAL = {
    "runhead": Style("Times-Italic", 8.5, 10, space_after=0),
    "pageno": Style("Times-Roman", 9, 10, space_after=0, align="right"),
    "title": Style("Times-Bold", 17, 21, space_after=6, align="center"),
    "authors": Style("Times-Roman", 11, 14, space_after=2, align="center"),
    "affil": Style("Times-Italic", 9.5, 12, space_after=10, align="center"),
    "abshead": Style("Times-Bold", 10, 13, space_after=3, align="center"),
    "abstract": Style("Times-Roman", 9.5, 12, space_after=6, align="justify"),
    "heading": Style("Times-Bold", 11, 14, space_after=4),
    "body": Style("Times-Roman", 10, 12.2, space_after=3, first_indent=10, align="justify"),
    "foot": Style("Times-Roman", 8, 9.8, space_after=2, align="justify"),
}

JOURNAL_ARTICLE = """
[0.75 0.45 5.5]
runhead: Proceedings of the Workshop on Document Understanding, Lisbon, 2024
[6.75 0.45 1.0]
pageno: 117
[1.0 0.9 6.5]
title: Reading Order Recovery in Multi-Column Scientific Documents
authors: Hannah Lindqvist, Tomas Okonkwo and Priya Raman
affil: Department of Computer Science, University of Westmarch
abshead: Abstract
abstract: Scanned scientific articles are still a common input to digital libraries, yet
the order in which their text is read is often lost when pages are converted. We describe
a simple method that recovers the reading order of two-column pages from the positions of
their text lines alone. On a collection of four hundred pages taken from journals
published between 1970 and 2010, the method places ninety-six percent of paragraphs in the
right order, compared with seventy-one percent for a widely used open-source baseline. We
discuss the pages on which it fails and release our annotations.
[0.75 3.6 3.35]
heading: 1 Introduction

Libraries hold millions of articles that exist only as printed pages. When such a page is
scanned and recognised, the words may be read correctly and still be useless if they come
out in the wrong order: a sentence that jumps from the left column to the right one
halfway through cannot be searched or quoted.

Most recognition systems group text into blocks and then sort the blocks from top to
bottom and from left to right. This works for a single column of text but fails when a
title spans both columns or when a figure interrupts one of them.
heading: 2 Related Work

Early systems relied on rules written for a particular journal. Later work learned the
order from examples, but needed thousands of annotated pages and did not transfer well to
older typefaces. Our approach needs no training data and makes only two assumptions about
the page: that columns are separated by a clear gap, and that a line which crosses the gap
belongs to neither column.
[4.4 3.6 3.35]
heading: 3 Method

We first find the text lines on the page and measure the empty space between them. A
vertical band that no line crosses for most of the page height is taken as a gutter. Lines
above the first gutter, such as the title and the abstract, are read first, in order from
the top.

The lines of each column are then read from the top of the column to its bottom, and the
columns from left to right. A line that spans the gutter ends the columns above it, and a
new set of columns starts below it. Footnotes and running headers are recognised by their
size and position and are read last and first.
heading: 4 Results

On our collection the method orders ninety-six percent of the paragraphs correctly. Most
of the errors occur on pages where a table is wider than one column, or where two short
columns are set without a visible gap between them.
[0.75 9.45 7.0]
figure: rule 0.05 1.8
foot: * Corresponding author: h.lindqvist@westmarch.example. This work was supported by a
grant from the National Library Foundation under award number 2021-DL-0457.
"""


PAGES = [
    page("water_notice", "photo", NOTICE, WATER_NOTICE),
    page("novel_page", "photo", BOOK, NOVEL_PAGE, size=(5.5, 8.5)),
    page("cafe_menu", "photo", MENU, CAFE_MENU),
    page("library_form", "photo", FORM, LIBRARY_FORM),
    page("journal_photo", "photo", JOURNAL, JOURNAL_ARTICLE),
]
