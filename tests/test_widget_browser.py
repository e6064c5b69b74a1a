"""The chat widget in a real browser: Debian's Chromium, headless, driven by Playwright, against the
real action server, Rasa server and page server. What a family sees and does: asking, clicking a
quick reply, filing an interpreter request, using only the keyboard, a phone-sized screen, 200%
zoom, the bot unreachable, and axe-core's WCAG 2.1 AA rules. Screenshots go to results/browser/."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Iterator, List

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bot.servers import ACTION_PYTHON, ROOT, free_port, wait_until_up
from knowledge import load

KB = load()
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = ROOT / "results" / "browser"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, web) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.goto(f"{web.web_url}/")
    yield opened
    context.close()


def open_chat(page: Page) -> None:
    page.get_by_role("button", name="Questions? Chat with our family assistant").click()
    page.get_by_role("dialog", name="Family assistant").wait_for()


def bot_texts(page: Page) -> List[str]:
    return page.locator(".cw-log .cw-bot .cw-text").all_inner_texts()


def wait_for_reply(page: Page, before: int) -> List[str]:
    """The bot's new bubbles once the typing indicator has gone."""
    page.wait_for_function(
        "n => document.querySelectorAll('.cw-log .cw-bot').length > n && document.querySelector('.cw-typing').hidden",
        arg=before, timeout=60000)
    return bot_texts(page)[before:]


def ask(page: Page, text: str) -> List[str]:
    before = page.locator(".cw-log .cw-bot").count()
    page.get_by_label("Type your question").fill(text)
    page.get_by_label("Type your question").press("Enter")
    return wait_for_reply(page, before)


def click_reply(page: Page, title: str) -> List[str]:
    before = page.locator(".cw-log .cw-bot").count()
    page.get_by_role("group", name="Suggested replies").get_by_role("button", name=title, exact=True).click()
    return wait_for_reply(page, before)


def run_axe(page: Page) -> dict:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)


def describe(violations: list) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} -> "
                     + "; ".join(node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
                                 for node in v["nodes"][:5]) for v in violations)


def test_a_parent_asks_a_question_and_sees_the_answer_with_its_source(page):
    open_chat(page)
    assert page.get_by_text(KB.replies["widget_banner"].text).is_visible()
    replies = ask(page, "what is neuroblastoma")
    answer = KB.topic("what_is_neuroblastoma")
    assert any(text.startswith(answer.answer[:60]) for text in replies), replies
    assert any("educational purposes only" in text for text in replies), "the disclaimer starts the conversation"
    source = page.locator(".cw-bot .cw-source").last
    assert source.inner_text() == f"Source: the hospital's page, section \u201c{answer.section}\u201d"
    assert page.locator(".cw-user .cw-text").last.inner_text() == "what is neuroblastoma"
    assert page.get_by_role("status").first.inner_text() == "Connected"


def test_markup_a_parent_types_is_shown_as_text_never_run(page):
    open_chat(page)
    typed = '<img src=x onerror="document.title=\'hacked\'"><b>bold</b> what is mibg?'
    ask(page, typed)
    assert page.locator(".cw-user .cw-text").last.inner_text() == typed
    assert page.locator(".cw-log img, .cw-log b").count() == 0
    assert page.title() != "hacked"


def test_a_quick_reply_is_a_button_that_sends_its_choice(page):
    open_chat(page)
    replies = ask(page, "where can my child get care?")
    assert any(KB.replies["clinic_choose_city"].text in text for text in replies), replies
    city = KB.replies["clinic_city_button"].text.format(city="Walnut Creek")
    replies = click_reply(page, city)
    assert page.locator(".cw-user .cw-text").last.inner_text() == city
    assert any("In Walnut Creek, the hospital's page lists:" in text for text in replies), replies
    assert any("Infusion Center" in text and "Oncology Clinic" in text for text in replies)


def test_a_parent_files_an_interpreter_request_in_the_browser(page, web):
    open_chat(page)
    replies = ask(page, "do you have interpreters for families?")
    assert any("interpreter" in text.lower() for text in replies), replies
    replies = click_reply(page, KB.replies["interpreter_request_button"].text)
    assert any("Which language do you need?" in text for text in replies), replies
    replies = click_reply(page, "Spanish")
    assert any("What is the interpreter for?" in text for text in replies)
    replies = click_reply(page, "An appointment")
    assert any("How should the hospital's interpreter services contact you?" in text for text in replies)
    replies = click_reply(page, "Phone")
    assert any("What phone number should they call?" in text for text in replies)
    replies = ask(page, "415 555 0142")
    assert any("may contact you at +14155550142" in text for text in replies)
    replies = click_reply(page, "Yes, I agree")
    assert any("Language: Spanish" in text and "(415) 555-0142" in text for text in replies), replies
    replies = click_reply(page, "Yes, send it")
    reference = re.search(r"Your reference number is (IR-[A-Z0-9]+)", "\n".join(replies))
    assert reference, replies

    listed = subprocess.run([str(ACTION_PYTHON), "-m", "actions.staff", "--db-url", f"sqlite:///{web.requests_db}",
                             "list"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    line = next(line for line in listed.stdout.splitlines() if reference.group(1) in line)
    assert "Spanish" in line and "+14155550142" in line


def test_talk_to_a_person_and_an_emergency(page):
    open_chat(page)
    before = page.locator(".cw-log .cw-bot").count()
    page.get_by_role("button", name="Talk to a person").click()
    replies = wait_for_reply(page, before)
    assert any(text.startswith("I'm an automated assistant, so there is no person in this chat.") for text in replies)
    assert page.locator(".cw-user .cw-text").last.inner_text() == "Talk to a person"
    ask(page, "my son is having trouble breathing and his lips are blue")
    emergency = page.locator(".cw-kind-emergency .cw-text").last
    assert "Call 911 now" in emergency.inner_text()


def test_keyboard_alone_from_the_launcher_to_an_answer_and_back(page):
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cw-launcher')"):
            break
    else:
        pytest.fail("Tab never reached the chat launcher")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "the focused launcher shows a visible focus ring"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "cw-input", "opening the chat puts focus in the text box"
    page.keyboard.type("where can my child get care?")
    before = page.locator(".cw-log .cw-bot").count()
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    # Tab on to the quick replies, then press one with the keyboard.
    target = KB.replies["clinic_city_button"].text.format(city="Oakland")
    for _ in range(60):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent") == target:
            break
    else:
        pytest.fail(f"Shift+Tab never reached the {target!r} button")
    before = page.locator(".cw-log .cw-bot").count()
    page.keyboard.press("Enter")
    replies = wait_for_reply(page, before)
    assert any("In Oakland, the hospital's page lists:" in text for text in replies), replies
    page.keyboard.press("Escape")
    assert page.locator("#cw-panel").is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('cw-launcher')"), "Esc returns focus to the launcher"
    assert page.get_by_role("button", name="Questions? Chat with our family assistant").get_attribute(
        "aria-expanded") == "false"


def test_the_transcript_is_a_polite_log_and_every_control_is_a_labelled_button(page):
    open_chat(page)
    ask(page, "what is mibg therapy")
    log = page.locator(".cw-log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('#caregiver-chat button, #caregiver-chat textarea')]
        .filter(el => !(el.getAttribute('aria-label') || el.textContent.trim() || (el.labels && el.labels.length)))
        .map(el => el.outerHTML)""")
    assert unlabelled == []
    assert page.locator("#caregiver-chat [onclick], #caregiver-chat div[tabindex]:not(.cw-log)").count() == 0


def test_the_sender_id_lives_in_session_storage_only(page, browser, web):
    open_chat(page)
    ask(page, "what is neuroblastoma")
    saved = json.loads(page.evaluate("sessionStorage.getItem('caregiverChat')"))
    assert UUID.match(saved["sender"])
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == "" and page.context.cookies() == []
    # The conversation survives a reload in the same tab, and a new tab starts afresh.
    page.reload()
    assert page.locator("#cw-panel").is_visible()
    assert page.locator(".cw-user .cw-text").all_inner_texts() == ["what is neuroblastoma"]
    other = page.context.new_page()
    other.goto(f"{web.web_url}/")
    other_saved = other.evaluate("sessionStorage.getItem('caregiverChat')")
    assert other_saved is None or json.loads(other_saved)["sender"] != saved["sender"]


def test_clear_conversation_and_download_the_transcript(page):
    open_chat(page)
    ask(page, "what is neuroblastoma")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download transcript").click()
    assert download.value.suggested_filename.endswith(".txt")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "You: what is neuroblastoma" in text
    assert "Assistant: " + KB.topic("what_is_neuroblastoma").answer[:60] in text
    assert "Source: the hospital's page, section" in text and KB.replies["widget_banner"].text in text

    sender = json.loads(page.evaluate("sessionStorage.getItem('caregiverChat')"))["sender"]
    page.get_by_role("button", name="Clear conversation").click()
    assert page.locator(".cw-user").count() == 0
    assert page.locator(".cw-bot .cw-text").all_inner_texts() == [KB.replies["widget_welcome"].text]
    assert json.loads(page.evaluate("sessionStorage.getItem('caregiverChat')"))["sender"] != sender
    assert page.evaluate("document.activeElement.id") == "cw-input"


def test_a_phone_screen_gets_a_full_screen_panel(browser, web):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{web.web_url}/")
    open_chat(page)
    assert page.locator("#cw-panel").bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 667}
    ask(page, "what are the symptoms of neuroblastoma?")
    assert page.get_by_role("button", name="Send").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / "widget-mobile-375x667.png"))
    context.close()


def test_at_200_percent_zoom_everything_stays_on_screen_and_usable(browser, web):
    # Chromium at 200% zoom in a 1280x800 window lays the page out at 640x400 CSS pixels.
    context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    page = context.new_page()
    page.goto(f"{web.web_url}/")
    open_chat(page)
    replies = ask(page, "what is iort")
    assert any("radiation" in text.lower() for text in replies), replies
    for name in ("Send", "Close", "Talk to a person", "Clear conversation", "Download transcript"):
        page.get_by_role("button", name=name).scroll_into_view_if_needed()
        box = page.get_by_role("button", name=name).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 640, name
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / "widget-zoom-200.png"))
    context.close()


def test_reduced_motion_stops_the_typing_animation(browser, web):
    animations = {}
    for motion in ("no-preference", "reduce"):
        context = browser.new_context(reduced_motion=motion)
        page = context.new_page()
        page.goto(f"{web.web_url}/")
        animations[motion] = page.evaluate(
            "getComputedStyle(document.querySelector('.cw-dots'), '::before').animationName")
        context.close()
    assert animations == {"no-preference": "cw-pulse", "reduce": "none"}


def test_axe_finds_no_wcag_21_aa_violations_closed_and_open(browser, web):
    # axe is injected as an inline script, which the page's Content-Security-Policy would refuse.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{web.web_url}/")
    closed = run_axe(page)
    open_chat(page)
    ask(page, "where can my child get care?")
    ask(page, "what is neuroblastoma")
    opened = run_axe(page)
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / "widget-desktop.png"))
    summary = {state: {"violations": len(result["violations"]), "passes": len(result["passes"]),
                       "violated_rules": sorted(v["id"] for v in result["violations"]),
                       "incomplete": sorted(v["id"] for v in result["incomplete"])}
               for state, result in (("closed", closed), ("open", opened))}
    (RESULTS / "axe-summary.json").write_text(json.dumps({"tags": WCAG_TAGS, **summary}, indent=2) + "\n")
    context.close()
    assert closed["violations"] == [], describe(closed["violations"])
    assert opened["violations"] == [], describe(opened["violations"])
    assert summary["open"]["passes"] > 10, "axe really checked the open panel"


@pytest.fixture
def unreachable_page(browser, tmp_path) -> Iterator[Page]:
    """The page served with a Rasa address where nothing listens, and the care team's phone set."""
    contacts = tmp_path / "contacts.yml"
    contacts.write_text('contacts:\n  care_team: {phone: "(555) 010-0199", url: "https://care.example.org/oncology", '
                        'hours: ""}\n', encoding="utf-8")
    port, dead = free_port(), free_port()
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        server = subprocess.Popen([str(ACTION_PYTHON), "bot/web_server.py", "--port", str(port), "--rasa-url",
                                   f"http://127.0.0.1:{dead}"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                  env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "CONTACTS_FILE": str(contacts)})
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", server, log)
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        yield page
        context.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_when_the_bot_is_unreachable_the_family_is_told_how_to_reach_people(unreachable_page):
    page = unreachable_page
    open_chat(page)
    page.wait_for_function("document.querySelector('.cw-status').textContent === 'Not connected'")
    before = page.locator(".cw-log .cw-bot").count()
    page.get_by_label("Type your question").fill("what is neuroblastoma")
    page.get_by_label("Type your question").press("Enter")
    replies = wait_for_reply(page, before)
    assert replies == [KB.replies["widget_unreachable"].text]
    error = page.locator(".cw-kind-unreachable")
    assert "Phone: (555) 010-0199" in error.inner_text()
    assert error.get_by_role("link", name=re.compile("Call your child's care team")).get_attribute(
        "href") == "tel:5550100199"
    assert error.get_by_role("link", name=re.compile("care team \\(website\\)")).get_attribute(
        "href") == "https://care.example.org/oncology"
    assert error.get_by_role("button", name="Try again").is_visible()
    assert page.locator(".cw-user .cw-text").last.inner_text() == "what is neuroblastoma", "the message is kept"
    assert "Traceback" not in page.content() and "TypeError" not in page.content()


def test_the_bot_s_links_are_real_links_and_nothing_it_sends_is_run_as_html(page):
    """What the widget does with a reply the bot could send: Rasa's reply is replaced here, in this
    browser only, to hold markup and a javascript: link."""
    reply = [{"recipient_id": "x", "text": "<img src=x onerror=\"document.title='hacked'\">Here is the clinic."},
             {"recipient_id": "x", "custom": {"type": "answer", "source_section": "Where to get care (5)", "links": [
                 {"title": "Oncology Clinic", "url": "https://clinic.example.org/oncology"},
                 {"title": "Bad", "url": "javascript:document.title='hacked'"}]}}]
    page.route("**/webhooks/rest/webhook", lambda route: route.fulfill(json=reply))
    open_chat(page)
    assert ask(page, "oncology clinic website") == [reply[0]["text"]]
    links = page.locator(".cw-bot .cw-links a")
    assert links.count() == 1
    assert links.first.get_attribute("href") == "https://clinic.example.org/oncology"
    assert links.first.get_attribute("rel") == "noopener noreferrer"
    assert page.locator(".cw-log img").count() == 0 and page.title() != "hacked"
    assert page.locator(".cw-bot .cw-source").last.inner_text().endswith("\u201cWhere to get care (5)\u201d")


def test_the_typing_indicator_shows_while_the_bot_works(page):
    held = []
    page.route("**/webhooks/rest/webhook", lambda route: held.append(route))
    open_chat(page)
    page.get_by_label("Type your question").fill("what is neuroblastoma")
    page.get_by_label("Type your question").press("Enter")
    page.get_by_text("The assistant is writing\u2026").wait_for(state="visible")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    held[0].fulfill(json=[{"recipient_id": "x", "text": "An answer."}])
    page.get_by_text("The assistant is writing\u2026").wait_for(state="hidden")
    assert bot_texts(page)[-1] == "An answer."


@pytest.mark.parametrize("failure", [
    {"status": 500, "body": "Internal Server Error"},
    {"status": 200, "body": "{not json", "content_type": "application/json"},
    # Nothing to read: an empty list (stock Rasa's reply when the action server is down), or payloads only.
    {"status": 200, "body": "[]", "content_type": "application/json"},
    {"status": 200, "body": '[{"recipient_id": "x", "custom": {"type": "answer"}}]', "content_type": "application/json"},
])
def test_a_server_error_a_broken_or_an_empty_reply_gets_the_unreachable_message(page, failure):
    page.route("**/webhooks/rest/webhook", lambda route: route.fulfill(**failure))
    open_chat(page)
    assert ask(page, "what is neuroblastoma") == [KB.replies["widget_unreachable"].text]
    assert page.get_by_role("button", name="Try again").is_visible()


def test_try_again_sends_the_kept_message_once_the_bot_is_back(page):
    attempts = []

    def first_fails(route):
        attempts.append(route.request.method)
        if route.request.method == "POST" and attempts.count("POST") == 1:
            route.abort("connectionrefused")
        else:
            route.continue_()

    page.route("**/webhooks/rest/webhook", first_fails)
    open_chat(page)
    assert ask(page, "what is neuroblastoma") == [KB.replies["widget_unreachable"].text]
    before = page.locator(".cw-log .cw-bot").count()
    page.get_by_role("button", name="Try again").click()
    replies = wait_for_reply(page, before - 1)
    assert page.locator(".cw-kind-unreachable").count() == 0
    assert any(text.startswith(KB.topic("what_is_neuroblastoma").answer[:60]) for text in replies), replies
    assert page.locator(".cw-user .cw-text").all_inner_texts() == ["what is neuroblastoma"], "shown once"
