"""The corpus's screenshots: an app's settings screen and a web article, at screen resolution."""

from bench.corpus_layout import Style, page

APP = {
    "bar": Style("Helvetica-Bold", 13, 16, space_after=0),
    "nav": Style("Helvetica", 11, 14, space_after=12),
    "heading": Style("Helvetica-Bold", 16, 20, space_after=8),
    "subheading": Style("Helvetica-Bold", 11.5, 15, space_after=3),
    "body": Style("Helvetica", 10.5, 14, space_after=14),
    "status": Style("Helvetica", 9, 12, space_after=0, color="#5a6270"),
}
WEB = {
    "bar": Style("Helvetica-Bold", 12, 15, space_after=0),
    "title": Style("Helvetica-Bold", 19, 23, space_after=6),
    "byline": Style("Helvetica", 9, 12, space_after=12, color="#6b6b6b"),
    "body": Style("Helvetica", 10.5, 15, space_after=10, color="#222222"),
    "heading": Style("Helvetica-Bold", 12, 15, space_after=8),
    "link": Style("Helvetica", 10, 13, space_after=9, color="#1a5fb4"),
}

SETTINGS_SCREEN = """
[0.22 0.22 12.89 background=#1f3a5f padding=0.22 color=#ffffff]
bar: Inkwell · Account settings

[0.35 1.02 1.9 background=#dde3ea padding=0.35 height=6.96]
nav: Profile
nav: Notifications
nav: Security
nav: Billing
nav: Integrations
nav: Help and support

[3.2 1.2 9.6 background=#ffffff padding=0.3]
heading: Notifications

Choose how Inkwell tells you about activity in your workspace. Changes are saved
automatically and apply to all of your devices.

subheading: Email digests

Receive a summary of comments, mentions and shared documents once a day at 8:00, or once
a week on Monday mornings. Digests are skipped when there is nothing new.

subheading: Mentions and replies

Get an instant notification when someone mentions you by name or replies to one of your
comments. You can pause these for up to 24 hours from the bell menu.

subheading: Quiet hours

Between 20:00 and 07:00 your phone will not ring or vibrate for Inkwell notifications.
Urgent messages from workspace administrators are still delivered.

[3.2 7.75 9.6]
status: Signed in as priya.natarajan@inkwell.example · Last saved 2 minutes ago
"""

SOURDOUGH_ARTICLE = """
[0.18 0.18 11.28 background=#2e6b4f padding=0.18 color=#ffffff]
bar: Field Notes · Gardening · Recipes · Travel · About

[0.7 1 6.6 background=#ffffff padding=0.3]
title: Why your sourdough starter smells like nail polish

byline: By Sam Whitaker · 6 min read · Updated 2 March 2024

If you open the jar and catch a sharp whiff of acetone, do not throw your starter away.
That smell is a sign of hunger, not of spoilage. When the yeast and bacteria in a
starter run out of fresh flour to eat, they begin to make different by-products, and
some of them smell a lot like nail polish remover.

The fix is simple. Discard all but a tablespoon or two of the starter, then feed it with
equal weights of flour and water. Repeat every twelve hours for a day or two, and keep
the jar somewhere warm. Within a couple of feedings the smell should turn back to
something pleasantly sour and yeasty.

If the smell keeps coming back, try feeding a little more often, or use a larger share
of fresh flour at each feeding. Whole grain flours also help, because they give the
microbes more to work with.

[8.1 1 2.8 background=#ffffff padding=0.3]
heading: Related articles

link: How to feed a starter while you are on holiday
link: Rye, spelt or white: choosing a flour for your starter
link: The science of a crackling crust
link: Ten loaves to bake this spring
"""

PAGES = [
    page(
        "settings_screen",
        "screenshot",
        APP,
        SETTINGS_SCREEN,
        size=(1280 / 96, 800 / 96),
        dpi=96,
        background="#eef1f5",
    ),
    page(
        "sourdough_article",
        "screenshot",
        WEB,
        SOURDOUGH_ARTICLE,
        size=(1280 / 110, 720 / 110),
        dpi=110,
        background="#f4f1ea",
    ),
]
