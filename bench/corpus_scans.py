"""The scanned pages of the corpus: a data sheet, a newsletter, a guide, a manual, a letter,
a report with figures and an essay, each with its text in reading order."""

from bench.corpus_layout import Style, page, ruled_table
from bench.corpus_photos import BOOK, NOVEL_PAGE

STYLES = {
    "title": Style("Helvetica-Bold", 20, 24, space_after=4),
    "subtitle": Style("Helvetica", 11, 14, space_after=4),
    "heading": Style("Helvetica-Bold", 12.5, 16, space_after=4),
    "body": Style("Helvetica", 10, 13, space_after=7),
    "spec": Style("Helvetica", 10, 13, space_after=2),
    "item": Style("Helvetica", 10, 13, space_after=3, hang=12),
    "caption": Style("Helvetica-Oblique", 9, 11.5, space_after=10),
    "footer": Style("Helvetica", 8, 10, space_after=0, align="center"),
    "mono": Style("Courier", 9.5, 12, space_after=6),
}
SERIF = {
    "title": Style("Times-Bold", 16, 20, space_after=14, align="center"),
    "masthead": Style("Times-Bold", 30, 34, space_after=2, align="center"),
    "tagline": Style("Times-Italic", 11, 14, space_after=2, align="center"),
    "heading": Style("Times-Bold", 13, 16, space_after=4),
    "body": Style("Times-Roman", 12, 16, space_after=10),
    "item": Style("Times-Roman", 11, 14, space_after=3, hang=10),
    "footer": Style("Times-Italic", 9, 11, space_after=0, align="center"),
}
NEWS = SERIF | {
    "body": Style("Times-Roman", 11, 14, space_after=2, first_indent=12, align="justify")
}
LETTER = {
    "letterhead": Style("Times-Bold", 18, 22, space_after=2),
    "tagline": Style("Times-Italic", 10, 13, space_after=0),
    "contact": Style("Helvetica", 9, 11.5, space_after=0, align="right", keep_lines=True),
    "body": Style("Times-Roman", 11, 14, space_after=9),
    "address": Style("Times-Roman", 11, 14, space_after=12, keep_lines=True),
    "bold": Style("Times-Bold", 11, 14, space_after=9),
    "footer": Style("Helvetica", 7.5, 9.5, space_after=0, align="center"),
}
MANUAL = STYLES | {
    "title": Style("Helvetica-Bold", 18, 22, space_after=10),
    "intro": Style("Times-Roman", 11, 14, space_after=4, first_indent=20),
    "step": Style("Times-Roman", 11, 14, space_after=4, hang=18),
    "bullet": Style("Times-Roman", 11, 14, space_after=3, hang=14),
    "mono": Style("Courier", 10, 13, space_after=6, first_indent=18),
}

PRODUCT_SHEET = """
[0.75 0.7 7]
title: Aquila X2 Portable Air Quality Monitor
subtitle: Product data sheet · Model AQX-200 · Revision C, March 2024

[0.75 1.6 3.3]
heading: Overview

The Aquila X2 measures fine particles, carbon dioxide, temperature and humidity in rooms
of up to 80 square metres. It is built for schools, offices and clinics that need to
show that their ventilation works, not only hope that it does.

Readings appear on a clear front display and are logged every minute for up to two
years. A coloured light ring tells everyone in the room at a glance when the air needs
attention, so nobody has to read a chart before opening a window.

heading: Key features

item: • Laser particle sensor for PM1.0, PM2.5 and PM10, calibrated at the factory.
item: • Dual-beam infrared CO2 sensor, accurate to within 30 ppm or 3 percent of the
reading.
item: • Battery life of up to 14 days, or permanent power over USB-C.
item: • Wi-Fi and Ethernet, with readings kept on the device if the network fails.
item: • Wall, desk and ceiling mounts included in the box.

[0.75 6.25 3.3]
heading: Installation

Mount the monitor at head height, at least one metre from windows, doors and air vents,
near where people actually sit. Avoid corners and spots in direct sunlight, which trap
air and heat and make the room look worse or better than it really is.

The device joins your network in under two minutes using the Aquila app. Alerts can be
sent by email or text message when a limit you choose is passed for longer than ten
minutes.

[4.45 1.6 3.3]
heading: Specifications

spec: Particle range: 0 to 1,000 µg/m³
spec: CO2 range: 400 to 5,000 ppm
spec: Temperature: -10 to 50 °C, accurate to ±0.3 °C
spec: Humidity: 0 to 95 % RH, non-condensing
spec: Display: 4.2 inch e-paper, readable in direct sunlight
spec: Dimensions: 120 × 120 × 38 mm

Weight: 310 g including the battery

Sensor life: 8 years for the particle sensor and 15 years for the CO2 sensor, in normal
indoor use.

The monitor meets the requirements of EN 61326-1 for electrical equipment used indoors,
and its CO2 readings follow the method described in ISO 16000-26.

[4.45 6.25 3.3]
heading: Ordering information

spec: AQX-200-W: monitor with Wi-Fi, white housing
spec: AQX-200-E: monitor with Wi-Fi and Ethernet, white housing
spec: AQX-200-G: monitor with Wi-Fi and Ethernet, graphite housing

ACC-MNT-3: spare mounting kit with ceiling plate

Volume pricing is available for orders of 20 units or more. Every monitor ships with a
three-year warranty and free firmware updates for the life of the product.

[0.75 10.2 7]
footer: Aquila Environmental Ltd. · 41 Mill Road, Cambridge CB1 2AD ·
sales@aquila-env.example · Specifications are subject to change without notice.
"""  # noqa: RUF001 (the data sheet prints a multiplication sign)

NEWSLETTER = """
[0.75 0.6 7]
masthead: The Riverside Gazette
tagline: Community news for Riverside and Elm Park · Spring 2024 · Issue 42

[0.75 1.45 2.2]
heading: Library extends its evening hours

From the first of April, the Riverside branch library will stay open until eight o'clock
on Tuesdays and Thursdays. The change follows a survey last autumn in which more than
four hundred residents asked for later opening, most of them parents and shift workers
who cannot visit during the day.

The extra hours are paid for by a two-year grant from the county arts fund. Librarian
Maria Okafor said the evenings would not simply repeat the daytime service. A homework
club for secondary pupils will meet on Tuesdays, and on Thursdays volunteers will help
anyone who needs a hand with online forms, job applications or video calls.

Study rooms can now be booked up to a week ahead at the front desk or by telephone.

heading: Bridge repairs to begin in May

Work to replace the worn bearings under the Mill Lane bridge will start on the
thirteenth of May and is expected to last nine weeks. The bridge will stay open to
pedestrians and cyclists throughout, but cars will be diverted along Station Road.

[3.15 1.45 2.2]
The council has promised that buses will keep to their usual stops, although some
journeys may take a few minutes longer at busy times. Residents with questions can
attend a drop-in session at the community hall on the second of May between four and
seven.

heading: Allotment waiting list reopens

After two years closed, the waiting list for the Elm Park allotments is open again.
Twelve plots became free this winter, and the society has divided several of the larger
ones so that more families can take part.

Half plots cost thirty pounds a year, with water and a shared tool shed included. New
members are asked to keep at least two thirds of their plot in cultivation and to come
to one of the monthly work mornings.

Application forms are available from the library and from the society's secretary, Tom
Rees, who can be found at plot nine most Saturday mornings.

heading: Volunteers wanted for the fair

The summer fair committee is looking for helpers to put up stalls on the Friday evening
and to take them down again after the dog show. No experience is needed, only a pair of
gloves and a little patience.

[5.55 1.45 2.2]
heading: Youth orchestra wins regional prize

The Riverside Youth Orchestra took first place in the regional schools competition in
March, playing a programme of Elgar and Vaughan Williams before an audience of six
hundred. It is the first time the orchestra has won since it was founded in 1998.

Conductor James Whitfield praised the players for their patience during a difficult
winter of rehearsals in a cold church hall. The orchestra will perform the winning
programme again at St Mark's Church on the eighteenth of May.

heading: Dates for your diary

item: • 20 April: spring litter pick, meeting at the war memorial at ten.
item: • 2 May: bridge works drop-in, community hall, four until seven.
item: • 18 May: youth orchestra concert, St Mark's Church, half past seven.
item: • 8 June: Elm Park summer fair, with stalls, music and a dog show.

Anyone who would like to help should leave their name and telephone number with the
library, or speak to Ruth Adeyemi at the fair committee's stall in the market on
Saturday mornings.

[0.75 10.2 7]
footer: The Riverside Gazette is written and delivered by volunteers. Send news and
letters to editor@riversidegazette.example.
"""

COMPOSTING_GUIDE = """
[0.75 0.7 7]
title: A Beginner's Guide to Home Composting
subtitle: Chapter 2 · Getting started

[0.87 1.72 1.8 background=#e4e4e4 padding=0.12]
heading: At a glance

item: • Time to first compost: three to nine months
item: • Space needed: about one square metre
item: • Cost: from nothing to forty pounds
item: • Best time to start: late spring

heading: What to add

Vegetable peelings, fruit scraps, coffee grounds, tea leaves, grass cuttings, shredded
paper and cardboard.

heading: What to keep out

Meat, fish, dairy, cooked food, pet waste and diseased plants. They attract pests or
spread disease.

heading: Useful tools

item: • A garden fork for turning
item: • A kitchen caddy with a lid
item: • A sieve with a coarse mesh

[3 1.6 4.75]
heading: Choosing a site

A compost heap works best on bare soil in a spot that gets some sun during the day.
Contact with the ground lets worms and other small creatures move in, and they do much
of the work for you. A little warmth speeds things up, but a heap in full sun all day
can dry out in summer.

Pick somewhere you can reach easily in all weathers. If the bin is at the far end of the
garden behind a muddy lawn, you will be tempted to throw peelings in the rubbish
instead, especially in winter.

heading: Building the heap

item: 1. Lay a base of twigs or straw about ten centimetres deep, so that air can move
up through the heap.
item: 2. Add material in layers, alternating wet green waste such as peelings and grass
with dry brown waste such as cardboard and leaves.
item: 3. Keep the heap about as damp as a wrung-out sponge. Add water in dry weather,
and more brown material if it turns slimy or starts to smell.
item: 4. Turn the heap with a fork every four to six weeks to let in air. The more often
you turn it, the sooner it will be ready.

heading: Knowing when it is ready

Finished compost is dark, crumbly and smells like a forest floor. You should not be able
to recognise most of what went in, although eggshells and woody stems often survive.
Sieve out anything large and return it to the next heap.

heading: Common problems

item: • A heap that smells of rotten eggs is too wet and short of air. Turn it and mix
in torn cardboard or dry leaves.
item: • A heap that stays dry and cold needs more green waste and a little water.
item: • Flies around the bin are harmless, but a layer of brown waste over each new
addition keeps them down.
item: • Rats are drawn by cooked food. Keep it out, and set the bin on wire mesh if they
have been seen nearby.

Most heaps recover within a few weeks once the balance of wet and dry material is put
right. Patience is the gardener's best tool, and compost rewards it.

[0.75 10.2 7]
footer: Home Composting Guide · Page 12
"""

INSTALLATION_GUIDE = """
[0.9 0.75 6.7]
title: CR-200 Label Printer: Installation Guide

intro: Thank you for choosing the CR-200. This guide explains how to unpack the printer,
connect it to a computer and print a test label. Most people finish in about fifteen
minutes. Please read the whole guide once before you start, and keep it for later.

intro: If anything is missing or damaged, do not connect the printer. Contact the shop
where you bought it, quoting the serial number printed on the base.

heading: Before you begin

bullet: • A computer running Windows 10 or later, macOS 12 or later, or a recent Linux
distribution.
bullet: • A free USB port, or a wireless network that supports WPA2.
bullet: • The roll of starter labels supplied in the box.

heading: Installing the printer

step: 1. Remove all orange tape from the printer, including the strip inside the label
compartment.
step: 2. Open the cover by pressing the release button on the right side, and drop the
label roll into the holder so that the labels feed from underneath.
step: 3. Pull about five centimetres of labels past the cutter and close the cover
firmly until it clicks.
step: 4. Connect the power adapter and press the power button. The status light blinks
green while the printer warms up and then stays lit.
step: 5. Connect the USB cable to your computer. On Linux, add the printer with the
following command:

mono: lpadmin -p CR200 -E -v usb://Crane/CR200 -m everywhere

step: 6. Print a test label by holding the feed button down for three seconds.

heading: If something goes wrong

intro: A status light that blinks red means that the cover is open or that the labels
have run out. Check both before anything else. If labels come out blank, the roll may be
upside down: thermal labels print on one side only.

intro: For further help, visit support.crane-labels.example or call our helpline on
weekdays between nine and five.

[0.9 10.2 6.7]
footer: Crane Labelling Systems · CR-200 Installation Guide · Document 4471-EN · Page 1
"""

BUSINESS_LETTER = """
[0.9 0.7 3.8]
letterhead: Hartwell & Price Architects

tagline: Design for schools, libraries and public buildings

[5 0.72 2.6]
contact: 12 Quay Street
Bristol BS1 4DJ
Telephone 0117 496 0321
www.hartwellprice.example

[0.9 1.45 6.7]
figure: rule 0.12

[0.9 1.8 6.7]
14 March 2024

address: Ms Eleanor Vance
Facilities Manager
Northgate Primary School
27 Orchard Lane
Bath BA2 6QT

Dear Ms Vance,

bold: Replacement of the east classroom windows

Thank you for meeting us at the school last Thursday and for showing us the classrooms
on the east side of the main building. We have now reviewed the survey drawings and the
condition report prepared by your caretaker, and we are writing to set out our
recommendations before the governors meet next month.

The existing timber windows date from the 1960s and most of the frames have rotted at
the sills. Repairing them would be possible, but the cost would approach that of
replacement and the rooms would remain cold and draughty. We therefore recommend
replacing all eighteen windows with double-glazed timber units of a similar pattern,
which the planning office has indicated it would support.

We propose to carry out the work during the summer holiday, when the classrooms are
empty. Our estimate for the windows, scaffolding and making good is £86,400 excluding
VAT, and a detailed breakdown is enclosed. This figure includes a contingency of ten
percent for any hidden damage to the surrounding brickwork.

We would be glad to present these proposals to the governors in person. Please let us
know which date suits you best, and do not hesitate to call if you have any questions in
the meantime.

Yours sincerely,
figure: blank 0.45
address: Daniel Hartwell
Partner

Enclosure: cost estimate, three pages

[0.9 10.25 6.7]
footer: Hartwell & Price Architects LLP · Registered in England and Wales No. OC412875 ·
Registered office: 12 Quay Street, Bristol BS1 4DJ
"""

FERRY_REPORT = """
[0.75 0.7 7]
title: Harbour Ferry Ridership, First Quarter 2024
subtitle: Report to the Transport Committee · Prepared by the Planning Office

Ridership on the harbour ferry rose sharply in the first quarter, helped by the opening
of the new Pier 4 terminal and a mild winter. This report summarises passenger numbers,
punctuality and customer feedback, and sets out the options for increasing capacity
before the summer timetable begins.
figure: photo 2.7
caption: Figure 1. The new terminal at Pier 4, which opened to passengers on 8 January.

[0.75 5.3 3.3]
heading: Passenger numbers

The ferry carried 412,000 passengers between January and March, an increase of 23
percent on the same period last year. Weekday commuter journeys grew fastest, while
weekend traffic returned to the levels seen before the terminal works began.

Most of the growth came from the new route between Pier 4 and the railway station, which
now accounts for almost a third of all journeys. Morning sailings on this route
regularly leave passengers behind at the busiest times.

heading: Punctuality

Ninety-four percent of sailings left within three minutes of the timetable. Most delays
were caused by high winds in February, when eleven sailings were cancelled altogether.

[4.45 5.3 3.3]
figure: chart 1.9
caption: Figure 2. Passengers per month, in thousands, for 2023 (grey) and 2024 (black).

heading: Options for the summer

The committee is asked to choose between adding a fourth vessel on the busiest route or
extending the timetable into the late evening. The planning office recommends the fourth
vessel, which could be leased for the season for about 180,000 pounds.

[0.75 10.2 7]
footer: Harbour Transport Authority · Quarterly Ridership Report · Page 1 of 6
"""

NOTEBOOK_ESSAY = """
[1.1 0.9 6.3]
title: On Keeping a Notebook

For most of my working life I have carried a small notebook in my coat pocket. It is not
a diary, and I rarely read it again once it is full. Its purpose is simpler than that:
it gives a thought somewhere to land before it is lost, the way a shelf by the front
door catches keys that would otherwise end up in a drawer.

The habit began on a train, when I overheard two strangers arguing about whether a
tomato is a fruit. The argument was not interesting, but the way one of them kept
returning to his grandmother's kitchen was. I wanted to remember the phrase he used, and
I had nothing to write it on. By the time I reached home it had gone, and I bought the
first notebook the next morning.

What goes into the notebook is a mixture of the useful and the useless. There are
telephone numbers, shopping lists and the names of books people have recommended. There
are also sentences heard on buses, the shape of a cloud over the estuary, and ideas for
stories that I will almost certainly never write. I have learned not to sort them as I
go. A note that seems trivial in March is sometimes the one I need in November.

People sometimes ask why I do not simply use my telephone. I have tried, and it does not
work for me. A telephone asks for attention of its own: there is always a message
waiting, or a reminder, or a small red number in a corner. A notebook asks for nothing.
It waits in the pocket until it is needed, and when it is opened it shows only what I
have put there.

If there is a lesson in all this, it is a modest one. Attention is easily spent and hard
to recover, and a few pages of paper are a cheap way to hold on to some of it. The
notebooks pile up on a shelf in my study, and I seldom take them down. But I know the
thoughts are there, and that knowledge is oddly comforting.
"""

FORM = STYLES | {
    "label": Style("Helvetica-Bold", 10.5, 13, space_after=0),
    "value": Style("Helvetica", 10.5, 13, space_after=0),
}
# A form of label and value rows, each row read across the gap between them (found in
# review: ocrapp read all the labels, then all the values).
FORM_ROWS = [
    ("Full name:", "Margaret Ellison"),
    ("Date of birth:", "14 March 1979"),
    ("Address:", "27 Orchard Close, Ashford"),
    ("Postcode:", "TN24 8QP"),
    ("Telephone:", "01233 556 120"),
    ("Email:", "m.ellison@example.org"),
    ("Membership type:", "Family (two adults)"),
    ("Start date:", "1 June 2024"),
    ("Payment method:", "Direct debit"),
]
MEMBERSHIP_FORM = (
    """
[0.9 0.8 6.7]
title: Membership application

Please check the details below and sign at the bottom of the page.
"""
    + "".join(
        f"[0.9 {top:.2f} 2]\nlabel: {label}\n[3 {top:.2f} 4.4]\nvalue: {value}\n"
        for top, (label, value) in zip(
            (1.9 + 0.42 * row for row in range(len(FORM_ROWS))), FORM_ROWS, strict=True
        )
    )
    + """
[0.9 6.1 6.7]
I confirm that the information above is correct and agree to the club rules.
"""
)

INVOICE_STYLES = STYLES | {
    "cell": Style("Helvetica", 10, 12.5, space_after=0),
    "head": Style("Helvetica-Bold", 10, 12.5, space_after=0),
    "amount": Style("Helvetica", 10, 12.5, space_after=0, align="right"),
    "headamount": Style("Helvetica-Bold", 10, 12.5, space_after=0, align="right"),
}
# An invoice's table, read row by row across wide gaps with no colon in them (found in
# review: ocrapp read every description, then every quantity, then every amount).
INVOICE_ROWS = [
    ("Description", "Qty", "Unit price", "Amount"),
    ("Oak desk, 140 cm", "2", "389.00", "778.00"),
    ("Task chair, grey", "4", "145.50", "582.00"),
    ("Desk lamp LED", "4", "32.90", "131.60"),
    ("Cable tray", "6", "14.25", "85.50"),
    ("Delivery and assembly", "1", "120.00", "120.00"),
    ("Subtotal", "", "", "1,697.10"),
    ("VAT 20 %", "", "", "339.42"),
    ("Total due", "", "", "2,036.52"),
]


def _invoice_row(top: float, cells: tuple[str, ...], header: bool) -> str:
    """A table row: a description at the left, then numbers set right in their columns."""
    columns = [(0.9, 3.0, "head" if header else "cell")] + [
        (left, 1.1, "headamount" if header else "amount") for left in (4.0, 5.2, 6.5)
    ]
    return "".join(
        f"[{left} {top:.2f} {width}]\n{style}: {cell}\n"
        for (left, width, style), cell in zip(columns, cells, strict=True)
        if cell
    )


INVOICE = """
[0.9 0.8 4]
title: Invoice 2024-0317

[0.9 1.5 3.5]
address: Northgate Primary School
27 Orchard Lane
Bath BA2 6QT

[0.9 2.6 6.7]
Thank you for your order of 4 March 2024. Payment is due within 30 days.
""" + "".join(
    _invoice_row(3.2 + 0.3 * row, cells, header=row == 0) for row, cells in enumerate(INVOICE_ROWS)
)

# A table of words with no figures in it, each row read across (found in the fifth session:
# Tesseract cut it into blocks side by side and ocrapp read every name, then every office).
STAFF_ROWS = [
    ("Name", "Department", "Office"),
    ("Anna Berg", "Finance", "Leeds"),
    ("Tomas Reyes", "Marketing", "Bristol"),
    ("Helen Park", "Legal", "London"),
    ("Samuel Osei", "Research", "Cambridge"),
    ("Priya Nair", "Operations", "Glasgow"),
    ("Martin Kowalski", "Sales", "Cardiff"),
]
STAFF_DIRECTORY = (
    """
[0.9 0.8 6.7]
title: Staff directory

Contact the people below for questions about their departments.
"""
    + "".join(
        f"[{left} {1.9 + 0.3 * row:.2f} 2]\n{'label' if row == 0 else 'value'}: {cell}\n"
        for row, cells in enumerate(STAFF_ROWS)
        for left, cell in zip((0.9, 3.2, 5.4), cells, strict=True)
    )
    + """
[0.9 4.5 6.7]
Please keep this list up to date and tell the office of any change.
"""
)

# A table ruled in a grid (found in the sixth session: Tesseract took the grid for a picture
# and read one row of the eight, ocrapp the same).
TRAINING_ROWS = [
    ("Date", "Course", "Room", "Trainer"),
    ("12 May", "First aid at work", "Oak 2", "Dr Lena Fischer"),
    ("14 May", "Fire safety", "Hall A", "Mark Devlin"),
    ("19 May", "Data protection", "Oak 1", "Sara Lindqvist"),
    ("21 May", "Manual handling", "Gym", "Paul Okafor"),
    ("26 May", "Writing reports", "Library", "Ines Romero"),
    ("28 May", "Time management", "Oak 2", "Grace Whitfield"),
    ("2 June", "Customer care", "Hall B", "Omar Haddad"),
]
TRAINING_CALENDAR = (
    """
[0.9 0.8 6.7]
title: Training calendar, May

All staff courses take place at the Riverside site. Book a place with your manager at least
a week before.
"""
    + ruled_table(TRAINING_ROWS, [(0.9, 1.1), (2.0, 2.4), (4.4, 1.2), (5.6, 2.0)], top=2.0)
    + """
[0.9 5.2 6.7]
Courses start at 9:30 and end by 16:00. Lunch is provided.
"""
)

STATEMENT_STYLES = STYLES | {
    "bank": Style("Helvetica-Bold", 18, 22, space_after=2),
    "small": Style("Helvetica", 8.5, 11, space_after=0, keep_lines=True),
    "address": Style("Helvetica", 9.5, 12, space_after=0, keep_lines=True),
    "head": Style("Helvetica-Bold", 8.5, 11, space_after=0),
    "headamount": Style("Helvetica-Bold", 8.5, 11, space_after=0, align="right"),
    "cell": Style("Helvetica", 8.5, 11, space_after=0),
    "amount": Style("Helvetica", 8.5, 11, space_after=0, align="right"),
    "footer": Style("Helvetica", 7, 9, space_after=0),
}
# A bank statement whose longer descriptions wrap to a second line (found in the seventh
# session: Tesseract cut each column into blocks of a row or three, and ocrapp read the
# dates, then the descriptions, then each column of amounts).
STATEMENT_ROWS = [
    ("01 Mar", "Balance brought forward", "", "", "2,314.56"),
    (
        "01 Mar",
        "Direct debit Northern Water Services Ltd reference 0048812937",
        "42.10",
        "",
        "2,272.46",
    ),
    ("02 Mar", "Card payment Greenway Supermarket Elm Park", "63.85", "", "2,208.61"),
    ("03 Mar", "Salary Westmarch City Council", "", "2,145.00", "4,353.61"),
    (
        "04 Mar",
        "Standing order to J Morrison rent for March flat 4 Albion Court",
        "850.00",
        "",
        "3,503.61",
    ),
    ("05 Mar", "Card payment Station Cafe", "4.20", "", "3,499.41"),
    ("06 Mar", "Transfer to savings account ending 7731", "200.00", "", "3,299.41"),
    (
        "08 Mar",
        "Direct debit Brightline Energy gas and electricity account 55120984",
        "118.40",
        "",
        "3,181.01",
    ),
    ("09 Mar", "Card payment City Books", "17.99", "", "3,163.02"),
    (
        "11 Mar",
        "Refund Harbour Outdoor online order 88213 returned jacket",
        "",
        "74.50",
        "3,237.52",
    ),
    ("12 Mar", "Cash withdrawal High Street branch", "60.00", "", "3,177.52"),
    ("15 Mar", "Direct debit Metro Mobile phone contract", "24.00", "", "3,153.52"),
    ("18 Mar", "Interest paid", "", "1.27", "3,154.79"),
    (
        "20 Mar",
        "Card payment Riverside Leisure Centre annual swimming membership",
        "289.00",
        "",
        "2,865.79",
    ),
    ("31 Mar", "Balance carried forward", "", "", "2,865.79"),
]
STATEMENT_COLUMNS = [(0.75, 0.75), (1.6, 2.7), (4.45, 0.95), (5.5, 0.95), (6.55, 1.1)]
WRAPS = 48  # characters: a longer description wraps to a second line


def _statement_table(top: float) -> tuple[str, float]:
    """The statement's table from `top`, and where it ends: a row a line apart, a line
    more where its description wraps."""
    header = ("Date", "Description", "Paid out", "Paid in", "Balance")
    rows, bottom = [(top, header)], top + 0.3
    for cells in STATEMENT_ROWS:
        rows.append((bottom, cells))
        bottom += 0.2 + (0.155 if len(cells[1]) > WRAPS else 0)
    markup = ""
    for row_top, cells in rows:
        for column, ((left, width), cell) in enumerate(zip(STATEMENT_COLUMNS, cells, strict=True)):
            kinds = ("head", "headamount") if cells is header else ("cell", "amount")
            style = kinds[column >= 2]
            markup += f"[{left} {row_top:.2f} {width}]\n{style}: {cell}\n" if cell else ""
    return markup, bottom


_STATEMENT_TABLE, _STATEMENT_END = _statement_table(3.55)
BANK_STATEMENT = (
    """
[0.75 0.6 3.5]
bank: Harbourside Bank
small: 12 Quay Street, Westmarch WM1 4QA
Telephone 0300 555 0148
[0.75 1.55 3.5]
address: Ms Rebecca Thornton
Flat 4, Albion Court
22 Canal Road
Westmarch WM3 7HG
[4.6 1.55 3.05]
small: Sort code: 40-12-76
Account number: 31884027
Period: 1 March to 31 March 2024
[0.75 2.9 6.9]
heading: Your transactions
"""
    + _STATEMENT_TABLE
    + f"""
[0.75 {_STATEMENT_END + 0.3:.2f} 6.9]
footer: Harbourside Bank plc is authorised by the Prudential Regulation Authority.
"""
)

PAGES = [
    page("product_sheet", "scan", STYLES, PRODUCT_SHEET),
    page("newsletter", "scan", NEWS, NEWSLETTER),
    page("composting_guide", "scan", STYLES, COMPOSTING_GUIDE),
    page("installation_guide", "scan", MANUAL, INSTALLATION_GUIDE),
    page("business_letter", "scan", LETTER, BUSINESS_LETTER),
    page("ferry_report", "scan", STYLES, FERRY_REPORT),
    page("notebook_essay", "scan", SERIF, NOTEBOOK_ESSAY),
    page("membership_form", "scan", FORM, MEMBERSHIP_FORM),
    page("invoice", "scan", INVOICE_STYLES | {"address": LETTER["address"]}, INVOICE),
    page("staff_directory", "scan", FORM, STAFF_DIRECTORY),
    page("training_calendar", "scan", FORM, TRAINING_CALENDAR),
    page("bank_statement", "scan", STATEMENT_STYLES, BANK_STATEMENT),
    # Pages of the scans above, taken in askew by a document feeder.
    page("essay_fed_askew", "askew", SERIF, NOTEBOOK_ESSAY),
    page("report_fed_askew", "askew", STYLES, FERRY_REPORT),
    page("invoice_fed_askew", "askew", INVOICE_STYLES | {"address": LETTER["address"]}, INVOICE),
    # A bound book's page and a bound thesis's, scanned with the lid open.
    page("novel_lid_open", "lid_open", BOOK, NOVEL_PAGE, size=(5.5, 8.5)),
    page("essay_lid_open", "lid_open", SERIF, NOTEBOOK_ESSAY),
    # Pages of the scans above through an office scanner's black-and-white mode.
    page("product_sheet_bilevel", "bilevel", STYLES, PRODUCT_SHEET),
    page("newsletter_bilevel", "bilevel", NEWS, NEWSLETTER),
    page("invoice_bilevel", "bilevel", INVOICE_STYLES | {"address": LETTER["address"]}, INVOICE),
    page("report_bilevel", "bilevel", STYLES, FERRY_REPORT),
    # The ruled table, photographed.
    page("calendar_photo", "photo", FORM, TRAINING_CALENDAR),
]
