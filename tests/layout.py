"""Layout checks for browser tests: what a person needs is on screen, inside the viewport, not covered.

Screenshots are for people to look at; these assertions make the suite fail when a layout hides a
button (the kiosk's priority choice under its tiles, a menu entry off a phone screen).
"""


def box(page, selector):
    """The bounding box of the first visible element matching selector (fails when there is none)."""
    locator = page.locator(selector).first
    assert locator.count() == 1 and locator.is_visible(), f"{selector} is not visible"
    found = locator.bounding_box()
    assert found is not None, f"{selector} has no box"
    return found


def boxes(page, selector):
    """Bounding boxes of every visible element matching selector."""
    found = []
    for index in range(page.locator(selector).count()):
        item = page.locator(selector).nth(index)
        if item.is_visible():
            found.append((f"{selector}#{index}", item.bounding_box()))
    return found


def inside_viewport(page, selector, tolerance=0.5):
    """Assert every visible element matching selector lies wholly inside the viewport."""
    size = page.viewport_size
    found = boxes(page, selector)
    assert found, f"nothing visible matches {selector}"
    for name, b in found:
        assert b["x"] >= -tolerance and b["y"] >= -tolerance, f"{name} starts outside the viewport: {b}"
        assert b["x"] + b["width"] <= size["width"] + tolerance, f"{name} sticks out on the right: {b} {size}"
        assert b["y"] + b["height"] <= size["height"] + tolerance, f"{name} sticks out at the bottom: {b} {size}"


def overlaps(a, b, tolerance=0.5):
    """True when two boxes share more than a hairline."""
    return (a["x"] + a["width"] - tolerance > b["x"] and b["x"] + b["width"] - tolerance > a["x"]
            and a["y"] + a["height"] - tolerance > b["y"] and b["y"] + b["height"] - tolerance > a["y"])


def no_overlap(page, *selectors):
    """Assert no two visible elements among the selectors overlap each other."""
    found = [item for selector in selectors for item in boxes(page, selector)]
    for i, (name_a, a) in enumerate(found):
        for name_b, b in found[i + 1:]:
            assert not overlaps(a, b), f"{name_a} overlaps {name_b}: {a} {b}"


def not_clipped(page, selector):
    """Assert no visible element matching selector has its text cut (scroll size larger than its box)."""
    clipped = page.eval_on_selector_all(
        selector,
        """els => els.filter(e => e.offsetParent !== null &&
                 (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1))
                 .map(e => e.outerHTML.slice(0, 120))""")
    assert not clipped, f"text cut in {selector}: {clipped}"


def contained(page, inner, outer, tolerance=0.5):
    """Assert every visible element matching `inner` lies wholly inside the first `outer` (nothing cut off)."""
    frame = box(page, outer)
    found = boxes(page, inner)
    assert found, f"nothing visible matches {inner}"
    for name, b in found:
        inside = (b["x"] >= frame["x"] - tolerance and b["y"] >= frame["y"] - tolerance
                  and b["x"] + b["width"] <= frame["x"] + frame["width"] + tolerance
                  and b["y"] + b["height"] <= frame["y"] + frame["height"] + tolerance)
        assert inside, f"{name} sticks out of {outer}: {b} {frame}"


def console_problems(page):
    """Start collecting console errors, page errors and CSP violations of a page; returns the (live) list."""
    problems = []
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("response", lambda response: problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 else None)
    return problems


def no_horizontal_scroll(page):
    """Assert the page is no wider than the viewport."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"page is {width}px wide in a {page.viewport_size} viewport"


VIEWPORTS = {"phone": (390, 844), "small": (1024, 768), "laptop": (1366, 768), "full-hd": (1920, 1080)}


def _on_screen(page, box_, tolerance=0.5):
    """True when a box lies wholly inside the viewport."""
    size = page.viewport_size
    return (box_["x"] >= -tolerance and box_["y"] >= -tolerance
            and box_["x"] + box_["width"] <= size["width"] + tolerance
            and box_["y"] + box_["height"] <= size["height"] + tolerance)


def open_group_of(page, link):
    """Open the menu group (<details>) a hidden link sits in, as a person does: scroll to its heading, tap it."""
    if link.is_visible():
        return
    heading = link.locator("xpath=ancestor::details[1]/summary")
    assert heading.count() == 1, f"{link} is hidden and in no menu group"
    assert heading.is_visible(), f"the group heading over {link} is hidden"
    heading.scroll_into_view_if_needed()
    heading.click()
    assert link.is_visible(), f"{link} stays hidden after opening its group"


def reach_every_entry(page, entries, *others, min_height=0):
    """Assert a person can bring every entry on screen: shown, or in a group whose heading they open, then
    scrolled to if the menu is longer than the screen. Whatever is shown while a group is open (its links,
    the other entries and headings, the `others`) must not overlap. Returns how many entries were reached."""
    links = page.locator(entries)
    assert links.count() > 0, f"nothing matches {entries}"
    for index in range(links.count()):
        link = links.nth(index)
        open_group_of(page, link)
        link.scroll_into_view_if_needed()
        found = link.bounding_box()
        assert found and _on_screen(page, found), f"{entries}#{index} cannot be brought on screen: {found}"
        assert found["height"] >= min_height, f"{entries}#{index} is {found['height']}px tall, under {min_height}"
        no_overlap(page, entries, "header summary", *others)
    return links.count()


def click_menu_entry(page, label):
    """Follow a menu entry by its label, opening its group first when it sits in one."""
    link = page.locator(f"nav.mainnav a:text-is('{label}')")
    open_group_of(page, link)
    link.click()
