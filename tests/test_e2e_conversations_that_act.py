"""End to end, over REST, as a new parent would: the interpreter request (filed, listed by the staff
command, surviving a restart, cancelled, interrupted by a question), the clinic finder, support
services, trials, talking to a person and messages in other languages."""
from __future__ import annotations

import subprocess
import sys
import uuid

from bot.servers import ROOT
from knowledge import load

KB = load()


def said(replies: list) -> str:
    return "\n\n".join(reply["text"] for reply in replies if "text" in reply)


def buttons(replies: list) -> list:
    return [button["title"] for reply in replies for button in reply.get("buttons") or []]


def custom(replies: list) -> list:
    return [reply["custom"] for reply in replies if "custom" in reply and reply["custom"].get("type") != "disclaimer"]


def new_sender() -> str:
    return f"test-{uuid.uuid4()}"


def staff(servers, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "actions.staff", "--db-url", f"sqlite:///{servers.requests_db}",
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def start_request(servers, sender: str, first: str = "I want to request an interpreter") -> list:
    replies = servers.say(sender, first)
    assert "Which language do you need?" in said(replies)
    return replies


def test_a_spanish_interpreter_request_by_phone_is_filed_and_listed_for_staff(servers):
    sender = new_sender()
    start_request(servers, sender)
    replies = servers.say(sender, "Spanish")
    assert "What is the interpreter for?" in said(replies)
    assert "Skip" in buttons(replies)
    assert "How should the hospital's interpreter services contact you?" in said(servers.say(sender, "An appointment"))
    assert "What phone number should they call?" in said(servers.say(sender, "Phone"))
    replies = servers.say(sender, "415 555 0100")
    assert "may contact you at +14155550100" in said(replies)
    replies = servers.say(sender, "Yes")
    assert "Language: Spanish" in said(replies) and "Contact by phone: (415) 555-0100" in said(replies)
    replies = servers.say(sender, "Yes, send it")
    filed = [payload for payload in custom(replies) if payload.get("status") == "filed"]
    assert len(filed) == 1
    reference = filed[0]["reference"]
    assert f"Your reference number is {reference}" in said(replies)

    listed = staff(servers, "list")
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if reference in line)
    assert "Spanish" in line and "An appointment" in line and "+14155550100" in line


def test_an_invalid_phone_is_asked_again_and_a_question_mid_form_is_answered(servers):
    sender = new_sender()
    replies = servers.say(sender, "can you book a mandarin interpreter for us")
    assert "What is the interpreter for?" in said(replies)  # Mandarin came with the request
    assert "How should the hospital's interpreter services contact you?" in said(servers.say(sender, "skip"))
    servers.say(sender, "by phone")
    replies = servers.say(sender, "12345")
    assert "doesn't look like a complete phone number" in said(replies)
    replies = servers.say(sender, "what is mibg therapy?")
    assert KB.topic("treatment_mibg_therapy").answer.split("\n")[0] in said(replies)
    assert said(replies).rstrip().endswith("Please include the area code.")  # the form asks again
    replies = servers.say(sender, "(415) 555-0199")
    assert "may contact you at +14155550199" in said(replies)


def test_an_unknown_language_is_asked_again_and_never_mind_cancels_with_nothing_stored(servers):
    sender = new_sender()
    start_request(servers, sender)
    replies = servers.say(sender, "klingon")
    assert "I didn't recognize that language" in said(replies) and "Another language" in buttons(replies)
    assert "What is the interpreter for?" in said(servers.say(sender, "Russian"))
    replies = servers.say(sender, "never mind")
    assert "I've stopped the interpreter request. Nothing was saved." in said(replies)
    replies = servers.say(sender, "what is iort")
    assert KB.topic("treatment_iort").answer.split("\n")[0] in said(replies)
    assert "Russian" not in staff(servers, "list").stdout


def test_a_request_survives_a_restart_of_both_servers(servers):
    sender = new_sender()
    start_request(servers, sender)
    servers.say(sender, "Cantonese")
    servers.say(sender, "A hospital stay")
    servers.stop("rasa")
    servers.stop("actions")
    servers.start_actions()
    servers.start_rasa()
    replies = servers.say(sender, "Email")
    assert "What email address should they use?" in said(replies)
    servers.say(sender, "parent@example.org")
    replies = servers.say(sender, "yes")
    assert "Language: Cantonese" in said(replies) and "For: A hospital stay" in said(replies)
    replies = servers.say(sender, "Yes, send it")
    assert any(payload.get("status") == "filed" for payload in custom(replies))


def test_no_consent_files_nothing(servers):
    sender = new_sender()
    start_request(servers, sender)
    servers.say(sender, "Tagalog")
    servers.say(sender, "skip")
    servers.say(sender, "email")
    servers.say(sender, "no-consent@example.org")
    replies = servers.say(sender, "No")
    assert "Without your agreement to be contacted, I can't file the request" in said(replies)
    assert "no-consent@example.org" not in staff(servers, "list").stdout


def test_the_infusion_center_in_walnut_creek(servers):
    replies = servers.say(new_sender(), "is there an infusion center in walnut creek")
    assert "Infusion Center" in said(replies) and "Walnut Creek" in said(replies)


def test_interpreters_asked_about_in_spanish_get_a_spanish_answer(servers):
    replies = servers.say(new_sender(), "¿Tienen intérpretes?")
    payload = custom(replies)[0]
    assert payload["type"] == "other_language" and payload["language"] == "es"
    assert "intérprete" in said(replies)
    offered = [button for reply in replies for button in reply.get("buttons") or []]
    assert offered[0]["payload"] == '/request_interpreter{"LANGUAGE": "Spanish"}'


def test_the_spanish_button_starts_the_form_with_spanish_filled_in(servers):
    sender = new_sender()
    servers.say(sender, "¿Tienen intérpretes?")
    replies = servers.say(sender, '/request_interpreter{"LANGUAGE": "Spanish"}')
    assert "What is the interpreter for?" in said(replies)


def test_a_message_in_chinese_gets_a_chinese_answer(servers):
    replies = servers.say(new_sender(), "我的孩子需要翻译")
    assert custom(replies)[0]["language"] == "zh-Hans"


def test_short_english_is_never_taken_for_another_language(servers):
    for text in ("what is mibg", "hola, what is iort?"):
        replies = servers.say(new_sender(), text)
        assert all(payload["type"] != "other_language" for payload in custom(replies)), text


def test_asking_for_a_person_explains_how_to_reach_people(servers):
    replies = servers.say(new_sender(), "can i talk to a real person")
    assert "there is no person in this chat" in said(replies)
    assert custom(replies)[0]["type"] == "talk_to_person"


def test_support_services_are_found_from_a_parents_words(servers):
    asked = {
        "is there help for his sister": "service_camp_okizu",
        "we're far from home": "service_family_amenities",
        "i need to talk to someone": "service_social_services",
        "is there a chaplain?": "service_spiritual_care",
    }
    got = {}
    for question in asked:
        payloads = custom(servers.say(new_sender(), question))
        got[question] = payloads[0].get("topic_id") if payloads else None
    assert got == asked


def test_trials_are_listed_by_situation_and_never_judge_eligibility(servers):
    replies = servers.say(new_sender(), "what clinical trials do you have")
    assert {"Newly diagnosed, high-risk", "Relapsed or refractory", "Maintenance therapy"} <= set(buttons(replies))
    replies = servers.say(new_sender(), "is there a trial for relapsed neuroblastoma")
    assert custom(replies)[0]["topic_id"] == "trial_dfmo_etoposide"
    assert "Ask your child's care team whether a trial fits your child." in said(replies)


def test_an_emergency_written_in_spanish_is_still_escalated(servers):
    replies = servers.say(new_sender(), "mi hija está convulsionando ahora mismo")
    assert custom(replies)[0]["type"] == "emergency"
    assert said(replies).startswith(KB.emergency.language("es").reply)


def test_emergencies_in_chinese_and_russian_get_the_emergency_reply_in_that_language_first(servers):
    for text, code in (("孩子呼吸困难，嘴唇发紫", "zh-Hans"), ("мой сын не дышит", "ru"), ("ابني لا يتنفس", "ar")):
        replies = servers.say(new_sender(), text)
        assert [payload["type"] for payload in custom(replies)] == ["emergency"], text
        assert custom(replies)[0]["language"] == code
        assert said(replies).startswith(KB.emergency.language(code).reply)
        assert KB.emergency.reply in said(replies)  # and in English
