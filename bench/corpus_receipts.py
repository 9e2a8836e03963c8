"""The corpus's till receipt: a narrow slip in a typewriter face, items left, prices and tax
bands right, read row by row; scanned and photographed."""

from bench.corpus_layout import Style, page

RECEIPT = {
    "shop": Style("Courier-Bold", 13, 15, space_after=2, align="center"),
    "centred": Style("Courier", 9, 11, space_after=0, align="center", keep_lines=True),
    "item": Style("Courier", 9, 11, space_after=0),
    "price": Style("Courier", 9, 11, space_after=0, align="right"),
    "total": Style("Courier-Bold", 9, 11, space_after=0),
    "sum": Style("Courier-Bold", 9, 11, space_after=0, align="right"),
}
# Each item's price and its tax band: A zero-rated food, B standard rate.
ITEMS = [
    ("Semi-skimmed milk 2L", "1.45", "A"),
    ("Wholemeal bread 800g", "1.10", "A"),
    ("Free range eggs x12", "3.20", "A"),
    ("Bananas loose 1.12kg", "0.78", "A"),
    ("Cheddar mature 400g", "3.75", "A"),
    ("Orange juice 1L", "1.89", "B"),
    ("Washing up liquid", "1.25", "B"),
    ("Tinned tomatoes x4", "2.40", "A"),
    ("Basmati rice 1kg", "2.15", "A"),
    ("Coffee beans 500g", "6.50", "A"),
    ("Dark chocolate 100g", "1.35", "B"),
    ("Carrier bag", "0.10", "B"),
]
TOTAL = f"{sum(float(price) for _, price, _ in ITEMS):.2f}"
TOTALS = [("total", "TOTAL", "sum", TOTAL, ""), ("item", "CARD", "price", TOTAL, "")]
TOTALS.append(("item", "CHANGE", "price", "0.00", ""))
WIDTH = 3.15  # inches: an 80 mm till roll
LINE = 11 / 72  # inches from one row to the next
PRICE_WIDTH, BAND_WIDTH = 0.7, 0.25
LABEL_WIDTH = WIDTH - 0.4 - PRICE_WIDTH - BAND_WIDTH


def _rows(rows: list[tuple[str, str, str, str, str]], top: float) -> tuple[str, float]:
    """The markup of rows from `top` (label, value and tax band, the first two each in its
    style), and where they end."""
    markup, price_left = "", 0.2 + LABEL_WIDTH
    for label_style, label, value_style, value, band in rows:
        markup += f"[0.2 {top:.2f} {LABEL_WIDTH:.2f}]\n{label_style}: {label}\n"
        markup += f"[{price_left:.2f} {top:.2f} {PRICE_WIDTH}]\n{value_style}: {value}\n"
        if band:
            markup += f"[{price_left + PRICE_WIDTH:.2f} {top:.2f} {BAND_WIDTH}]\nprice: {band}\n"
        top += LINE
    return markup, top


_ITEM_ROWS, _ITEMS_END = _rows([("item", i, "price", p, band) for i, p, band in ITEMS], 1.35)
_TOTAL_ROWS, _TOTALS_END = _rows(TOTALS, _ITEMS_END + 0.15)
TILL_RECEIPT = (
    """
[0.2 0.3 2.75]
shop: GREENWAY MARKET
centred: 14 Elm Park Road
Westmarch WM2 8LT
Tel 01632 960 412
VAT No 318 4471 26
"""
    + _ITEM_ROWS
    + _TOTAL_ROWS
    + f"""
[0.2 {_TOTALS_END + 0.2:.2f} 2.75]
centred: 07/03/2024 18:42 Till 3 Op 117
Thank you for shopping with us
"""
)
SIZE = (WIDTH, _TOTALS_END + 1.0)

PAGES = [
    page("till_receipt", "scan", RECEIPT, TILL_RECEIPT, size=SIZE),
    page("receipt_photo", "photo", RECEIPT, TILL_RECEIPT, size=SIZE),
]
