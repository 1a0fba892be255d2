"""LIKE patterns from typed text: the one escaping helper every query that matches text uses."""

ESCAPE = "\\"


def like_escape(text):
    """Text with LIKE's wildcards (% and _) and the escape character itself matched literally (use escape=ESCAPE)."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains(text):
    """A LIKE pattern for text anywhere in the value."""
    return f"%{like_escape(text)}%"


def starts_with(text):
    """A LIKE pattern for values starting with text."""
    return f"{like_escape(text)}%"
