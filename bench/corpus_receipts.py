"""The corpus's till receipt: a narrow slip in a typewriter face, items left and prices right,
read row by row; scanned and photographed."""

from bench.corpus_layout import Style, page

RECEIPT = {
    "shop": Style("Courier-Bold", 13, 15, space_after=2, align="center"),
    "centred": Style("Courier", 9, 11, space_after=0, align="center", keep_lines=True),
    "item": Style("Courier", 9, 11, space_after=0),
    "price": Style("Courier", 9, 11, space_after=0, align="right"),
    "total": Style("Courier-Bold", 9, 11, space_after=0),
    "sum": Style("Courier-Bold", 9, 11, space_after=0, align="right"),
}
ITEMS = [
    ("Semi-skimmed milk 2L", "1.45"),
    ("Wholemeal bread 800g", "1.10"),
    ("Free range eggs x12", "3.20"),
    ("Bananas loose 1.12kg", "0.78"),
    ("Cheddar mature 400g", "3.75"),
    ("Orange juice 1L", "1.89"),
    ("Washing up liquid", "1.25"),
    ("Tinned tomatoes x4", "2.40"),
    ("Basmati rice 1kg", "2.15"),
    ("Coffee beans 500g", "6.50"),
    ("Dark chocolate 100g", "1.35"),
    ("Carrier bag", "0.10"),
]
TOTAL = f"{sum(float(price) for _, price in ITEMS):.2f}"
TOTALS = [("total", "TOTAL", "sum", TOTAL), ("item", "CARD", "price", TOTAL)]
TOTALS.append(("item", "CHANGE", "price", "0.00"))
WIDTH = 3.15  # inches: an 80 mm till roll
LINE = 11 / 72  # inches from one row to the next
PRICE_WIDTH = 0.7


def _rows(rows: list[tuple[str, str, str, str]], top: float) -> tuple[str, float]:
    """The markup of rows from `top` (label and value, each in its style), and where they end."""
    markup, width = "", WIDTH - 0.4
    for label_style, label, value_style, value in rows:
        markup += f"[0.2 {top:.2f} {width - PRICE_WIDTH}]\n{label_style}: {label}\n"
        markup += f"[{0.2 + width - PRICE_WIDTH:.2f} {top:.2f} {PRICE_WIDTH}]\n"
        markup += f"{value_style}: {value}\n"
        top += LINE
    return markup, top


_ITEM_ROWS, _ITEMS_END = _rows([("item", item, "price", price) for item, price in ITEMS], 1.35)
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
