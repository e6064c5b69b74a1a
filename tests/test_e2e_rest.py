"""End to end: the real action server and the real Rasa server, talked to over the REST channel
exactly as the web page does."""
from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import httpx

from knowledge import load
from knowledge.deferrals import load_deferrals

KB = load()
DISCLAIMER = KB.replies["disclaimer"].text
DEFER = KB.replies["defer"].text


def texts(replies: list) -> list:
    return [reply["text"] for reply in replies if "text" in reply]


def said(replies: list) -> str:
    """What the parent reads. Rasa's REST channel sends each paragraph as its own message."""
    return "\n\n".join(texts(replies))


def custom(replies: list) -> list:
    """The structured payloads, without the disclaimer's."""
    return [reply["custom"] for reply in replies if "custom" in reply and reply["custom"].get("type") != "disclaimer"]


def cited(payload: dict) -> dict:
    return {key: payload[key] for key in ("type", "topic_id", "title", "source_section") if key in payload}


def new_sender() -> str:
    return f"test-{uuid.uuid4()}"


def test_first_message_gets_the_disclaimer_then_the_symptoms_answer(servers):
    replies = servers.say(new_sender(), "what are the symptoms of neuroblastoma?")
    assert said(replies) == DISCLAIMER + "\n\n" + KB.topic("symptoms_common").answer
    assert [cited(payload) for payload in custom(replies)] == [{
        "type": "answer", "topic_id": "symptoms_common", "title": KB.topic("symptoms_common").title,
        "source_section": "Symptoms of neuroblastoma"}]
    assert {"type": "disclaimer"} in [reply.get("custom") for reply in replies]


def test_disclaimer_is_sent_once_per_conversation(servers):
    sender = new_sender()
    servers.say(sender, "hello")
    replies = servers.say(sender, "what is the scan with the radioactive dye")
    assert DISCLAIMER not in texts(replies)
    assert said(replies) == KB.topic("imaging_mibg_scan").answer


def test_five_seed_topics_are_answered(servers):
    questions = {
        "where is the oncology clinic": "program_oncology_clinic",
        "what is IORT": "treatment_iort",
        "how common is neuroblastoma": "how_common_neuroblastoma",
        "is there help for his sister": "service_camp_okizu",
        "what does stage 4s mean": "stage_4s",
    }
    sender = new_sender()
    servers.say(sender, "hi")
    for question, topic_id in questions.items():
        replies = servers.say(sender, question)
        assert said(replies) == KB.topic(topic_id).answer, question
        assert custom(replies)[0]["topic_id"] == topic_id


def test_greeting_thanks_and_goodbye(servers):
    sender = new_sender()
    hello = texts(servers.say(sender, "hi there"))
    assert hello[0] == DISCLAIMER and hello[1].startswith("Hello.")
    assert texts(servers.say(sender, "thank you so much")) == [
        "You're welcome. Is there anything else I can help you find?"]
    assert texts(servers.say(sender, "are you a robot"))[0].startswith(
        "I'm an automated assistant, not a person and not a doctor.")
    assert texts(servers.say(sender, "bye"))[0].startswith("Take care.")


def test_out_of_scope_question_points_to_the_care_team(servers):
    sender = new_sender()
    servers.say(sender, "hi")
    replies = servers.say(sender, "what's the weather tomorrow")
    assert said(replies) == DEFER
    assert "care team" in DEFER


def test_bad_input_gets_a_reply_or_a_4xx_never_a_crash(servers):
    sender = new_sender()
    for message in ["", "   ", "<script>alert(1)</script>", "'; DROP TABLE events; --", "x" * 20000,
                    "\x00\x01\x02 binary"]:
        response = httpx.post(servers.rest_url, json={"sender": sender, "message": message}, timeout=60)
        assert response.status_code == 200, message[:40]
        assert isinstance(response.json(), list)
    malformed = httpx.post(servers.rest_url, content=b"{not json", timeout=60,
                           headers={"content-type": "application/json"})
    assert 400 <= malformed.status_code < 500
    # The server still answers afterwards.
    assert said(servers.say(sender, "what is IORT")) == KB.topic("treatment_iort").answer


def test_conversations_are_stored_in_the_sql_tracker_store(servers):
    sender = new_sender()
    servers.say(sender, "how common is neuroblastoma")
    with sqlite3.connect(servers.tracker_db) as db:
        rows = db.execute("SELECT type_name, action_name FROM events WHERE sender_id = ?", (sender,)).fetchall()
    assert ("user", None) in rows
    assert ("action", "action_answer_question") in rows


def test_conversation_survives_a_rasa_restart(servers):
    sender = new_sender()
    servers.say(sender, "how common is neuroblastoma")
    servers.stop("rasa")
    servers.start_rasa()
    replies = servers.say(sender, "what is IORT")
    # Same conversation: no new session, so no second disclaimer.
    assert said(replies) == KB.topic("treatment_iort").answer


def test_every_topic_is_answered_through_the_real_servers(servers):
    """Each topic's first example question, sent as a parent would, returns that topic's answer."""
    sender = new_sender()
    servers.say(sender, "hello")
    wrong = {}
    for topic in KB.topics.values():
        replies = servers.say(sender, topic.examples[0])
        answered = [payload.get("topic_id") for payload in custom(replies)]
        expected = topic.answer
        if topic.id == "care_programs_overview":  # the places, then a choice of city (actions/clinics.py)
            expected += "\n\n" + KB.replies["clinic_choose_city"].text
        if topic.id == "trials_overview":  # then a choice of trial by situation (actions/trials.py)
            expected += "\n\n" + KB.replies["trials_by_situation"].text
        if answered != [topic.id] or said(replies) != expected:
            wrong[topic.id] = answered
    assert wrong == {}


def test_emergency_is_escalated_before_anything_else(servers):
    sender = new_sender()
    servers.say(sender, "hi")
    for message in ["my daughter is having a seizure", "he is not breathing", "she has a fever and had chemo yesterday",
                    # A question the classifier is sure of, with an emergency in it: still an emergency.
                    "i was going to ask what the ct scan shows but she just collapsed on the floor"]:
        replies = servers.say(sender, message)
        assert texts(replies)[0] == KB.emergency.reply, message
        assert custom(replies)[0]["type"] == "emergency"


def test_emergency_in_a_first_message_is_escalated(servers):
    replies = servers.say(new_sender(), "my baby is turning blue")
    assert KB.emergency.reply in texts(replies)
    assert custom(replies) == [{"type": "emergency", "sign": "turning_blue"}]


def test_follow_ups_use_the_last_topic(servers):
    sender = new_sender()
    servers.say(sender, "/session_start")
    assert custom(servers.say(sender, "what is mibg therapy"))[0]["topic_id"] == "treatment_mibg_therapy"
    replies = servers.say(sender, "what are its side effects?")
    assert said(replies) == KB.topic("treatment_mibg_side_effects").answer
    replies = servers.say(sender, "tell me more")
    related = [t for t in KB.topic("treatment_mibg_side_effects").related if t != "treatment_mibg_therapy"]
    assert custom(replies)[0]["topic_id"] == related[0]


def test_every_way_of_asking_for_more_gets_the_next_related_topic(servers):
    # The classifier has no examples of these; bot/follow_up.py routes them to the question action.
    following = KB.topic("treatment_mibg_therapy").related[0]
    for phrase in ("tell me more", "go on", "what else?", "ok, can you tell me more please", "more info",
                   "keep going", "anything else i should know?"):
        sender = new_sender()
        servers.say(sender, "/session_start")
        assert custom(servers.say(sender, "what is mibg therapy"))[0]["topic_id"] == "treatment_mibg_therapy"
        replies = servers.say(sender, phrase)
        assert custom(replies) and custom(replies)[0]["topic_id"] == following, phrase


def test_did_you_mean_buttons_answer_when_pressed(servers):
    sender = new_sender()
    servers.say(sender, "/session_start")
    replies = servers.say(sender, "mibg")
    payload = custom(replies)[0]
    assert payload["type"] == "clarify"
    buttons = [button for reply in replies for button in reply.get("buttons", [])]
    assert [button["title"] for button in buttons] == [option["title"] for option in payload["options"]]
    assert 2 <= len(buttons) <= 3
    replies = servers.say(sender, buttons[-1]["payload"])
    chosen = payload["options"][-1]["topic_id"]
    assert said(replies) == KB.topic(chosen).answer


def test_a_deferred_question_is_kept_for_review_without_personal_details(servers):
    sender = new_sender()
    servers.say(sender, "/session_start")
    log = servers.workdir / "unanswered.jsonl"
    before = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    replies = servers.say(sender, "how much tylenol can i give my son Leo? call me on 415 555 0134")
    doses = next(kind for kind in load_deferrals(KB.topics) if kind.id == "doses")
    assert said(replies).startswith(f"{doses.text} {KB.replies['defer_care_team'].text}")
    assert custom(replies)[0] == {**custom(replies)[0], "type": "defer", "kind": "doses"}
    after = log.read_text(encoding="utf-8").splitlines()
    assert len(after) == len(before) + 1
    entry = json.loads(after[-1])
    assert entry["text"] == "how much tylenol can i give my son [name]? call me on [number]"
    assert sender not in after[-1]


def test_a_first_question_that_says_it_is_answered_on_its_own(servers):
    """No earlier topic, so "it" cannot be a follow-up. (Rasa once ran the answer action a second
    time while filling slots, and that hidden run's topic turned the real run into a follow-up.)"""
    sender = new_sender()
    servers.say(sender, "/session_start")
    replies = servers.say(sender, "is there an infusion center in walnut creek? it would be closer for us")
    assert custom(replies)[0].get("topic_id") == "program_infusion_center"


def buttons(replies: list) -> list:
    return [button for reply in replies for button in reply.get("buttons") or []]


def test_clinic_finder_names_the_infusion_center_and_walnut_creek(servers):
    replies = servers.say(new_sender(), "is there an infusion center in walnut creek")
    assert said(replies) == DISCLAIMER + "\n\n" + "\n\n".join([
        "Yes. The hospital's page lists the Infusion Center in Walnut Creek. "
        "It is also listed in San Francisco and Oakland.",
        "Your child's care team can tell you which place fits your child."])
    payload = custom(replies)[0]
    assert (payload["type"], payload["topic_id"], payload["cities"]) == (
        "clinic", "program_infusion_center", ["Walnut Creek"])


def test_clinic_finder_says_where_a_program_is_not_and_offers_what_is_there(servers):
    sender = new_sender()
    replies = servers.say(sender, "is the brain tumor program in walnut creek?")
    assert "It does not list it in Walnut Creek." in said(replies)
    offered = {button["title"]: button["payload"] for button in buttons(replies)}
    assert set(offered) == {"Infusion Center", "Oncology Clinic"}
    # Pressing a program's button gets that program's answer.
    assert said(servers.say(sender, offered["Oncology Clinic"])) == KB.topic("program_oncology_clinic").answer


def test_where_to_get_mibg_therapy_or_a_transplant_names_only_what_the_page_says(servers):
    replies = servers.say(new_sender(), "Where do kids get MIBG therapy or a transplant?")
    text = said(replies)
    assert "The hospital's page does not say which clinic or program gives MIBG therapy." in text
    assert "the hospital's page names the Blood & Marrow Transplant (BMT) Clinic" in text
    assert [program["topic_id"] for program in custom(replies)[0]["programs"]] == ["program_bmt_clinic"]


def test_the_places_overview_offers_cities_and_a_city_button_lists_that_city(servers):
    sender = new_sender()
    replies = servers.say(sender, "where can my child get care")
    assert KB.topic("care_programs_overview").answer in said(replies)
    offered = {button["title"]: button["payload"] for button in buttons(replies)}
    assert list(offered) == ["Care in San Francisco", "Care in Oakland", "Care in Walnut Creek"]
    replies = servers.say(sender, offered["Care in Walnut Creek"])
    assert said(replies).startswith("In Walnut Creek, the hospital's page lists:\n- Infusion Center\n- Oncology Clinic")
    assert [button["title"] for button in buttons(replies)] == ["Infusion Center", "Oncology Clinic"]


def test_the_serving_action_server_answers_without_torch(servers):
    """Retrieval runs in ONNX Runtime: after answering, the action server has not loaded torch
    (its libraries would be mapped into the process)."""
    replies = servers.say(new_sender(), "how is neuroblastoma treated")
    assert custom(replies) and custom(replies)[0]["type"] in ("answer", "clarify")
    maps = Path(f"/proc/{servers.processes['actions'].pid}/maps").read_text()
    assert "onnxruntime" in maps
    assert "libtorch" not in maps and "sentence_transformers" not in maps
