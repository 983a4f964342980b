"""The record of completion over real HTTP: a PDF for a completed attempt in each language
(text extractable, Greek in Greek), its verification page, and the refusals."""

from __future__ import annotations

import io
import re
from functools import cache

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader
from sqlalchemy import select

from lti_tool.lti.models import LearnerAccount
from lti_tool.paths import TRANSLATIONS_DIR
from lti_tool.privacy import delete_learner
from lti_tool.privacy import export_learner
from lti_tool.records.models import CompletionRecord
from lti_tool.sandbox import CONTEXT_TITLE
from tests.support.browsing import Browser
from tests.support.browsing import page_of
from tests.support.browsing import parse

CASE = "primary-front-desk"
LINK = "record-front-desk"
ACTIVITY = "Front desk record"
CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){5}\b")
GREEK = re.compile(r"[\u0370-\u03ff]")


@pytest.fixture
def library_tool(database_url, tmp_path, keys_dir):
    from tests.support.live import live_tool

    with live_tool(database_url, tmp_path, keys_dir, overrides={
        "SANDBOX_LINKS": [{"id": LINK, "title": ACTIVITY, "case_id": CASE}]
    }) as tool:  # fmt: skip
        yield tool


class Learner:
    def __init__(self, tool, name: str = "Alex Learner", **launch: str) -> None:
        self.browser = Browser(tool)
        self.page = self.browser.launch(name=name, link=LINK, **launch)
        assert self.page.status_code == 200, self.page.text

    def click(self, action: str, **extra: str):
        self.page = self.browser.submit(self.page, action, **extra)
        return self.page

    def play_to_the_debrief(self):
        """Take the first option of every decision (whatever it scores) to the debrief."""
        self.click("/play/start")
        for _ in range(20):
            if page_of(self.page) == "debrief":
                return self.page
            assert page_of(self.page) == "scene", self.page.text[:500]
            form = next(f for f in parse(self.page.text).forms if f.action.endswith("/play/choose"))
            self.page = self.browser.submit(self.page, "/play/choose", button=form.buttons[0])
            assert page_of(self.page) == "feedback", self.page.text[:500]
            ahead = [f.action for f in parse(self.page.text).forms]
            self.click("/play/debrief" if any(a.endswith("/play/debrief") for a in ahead)
                       else "/play/scene")  # fmt: skip
        raise AssertionError("the case did not end")

    def record(self):
        return self.browser.submit(self.page, "/play/record")


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@cache
def translation(lang: str, domain: str, msgid: str, context: str | None = None) -> str:
    if lang == "en":
        return msgid
    with (TRANSLATIONS_DIR / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    message = catalog.get(msgid, context=context)
    assert message is not None and message.string, (lang, msgid)
    return str(message.string)


def case_title(lang: str) -> str:
    return translation(lang, "cases", "The front desk notices", f"{CASE}/title")


@pytest.mark.parametrize("lang", ["en", "el", "it", "de", "nl", "fr", "nl-BE", "fr-BE"])
def test_a_record_in_each_language_with_extractable_text(library_tool, lang):
    learner = Learner(library_tool, lang=lang)
    debrief = learner.play_to_the_debrief()
    assert "/play/record" in debrief.text
    for script in re.findall(r'<script src="([^"]+)"', debrief.text):  # debrief.js among them
        assert learner.browser.http.get(library_tool.base_url + script).status_code == 200
    assert "debrief.js" in debrief.text

    response = learner.record()

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(rf'filename="record-of-completion-{CASE}-\d{{4}}-\d{{2}}-\d{{2}}\.pdf"',
                     disposition)  # fmt: skip
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    assert PdfReader(io.BytesIO(response.content)).trailer["/Root"]["/Lang"] == lang
    text = pdf_text(response.content)
    base = lang.split("-")[0]
    assert " ".join(case_title(base).split()) in text
    if base == "el":
        assert GREEK.search(case_title("el"))  # the Greek title is Greek...
        assert "Η υποδοχή παρατηρεί" in text  # ...and comes out of the PDF as Greek letters
    assert translation(base, "messages", "Record of completion") in text
    assert translation(base, "messages", "Identification and indicators") in text  # a module
    assert "Alex Learner" in text  # the platform shared the name
    assert " ".join(CONTEXT_TITLE.split()) in text
    assert ACTIVITY in text
    assert CODE.search(text)
    assert f"{library_tool.base_url}/verify/" in text


def test_the_verification_page_checks_the_code(library_tool):
    learner = Learner(library_tool, lang="el")
    learner.play_to_the_debrief()
    text = pdf_text(learner.record().content)
    code = CODE.search(text).group(0)
    http = learner.browser.http
    base = library_tool.base_url

    genuine = http.get(f"{base}/verify/{code}", headers={"Accept-Language": "el"})

    assert genuine.status_code == 200
    assert page_of(genuine) == "verify"
    assert "Η υποδοχή παρατηρεί" in genuine.text
    assert "Alex Learner" in genuine.text
    assert ACTIVITY in genuine.text
    assert code in genuine.text
    assert genuine.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in genuine.headers["X-Robots-Tag"]
    assert "no-store" in genuine.headers["Cache-Control"]
    for what, value in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", genuine.text):
        assert " ".join(value.split()) in text, what  # the page shows what the PDF shows
    # typed from paper: small letters, no dashes, O for 0
    typed = code.replace("-", "").lower().replace("0", "o")
    assert http.get(f"{base}/verify/{typed}").status_code == 200
    looked_up = http.get(f"{base}/verify/", params={"code": typed}, allow_redirects=False)
    assert looked_up.status_code == 303
    assert looked_up.headers["Location"].endswith(f"/verify/{code}")

    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    for wrong in (altered, "not-a-code", "x" * 500, "%00", code + "-ABCD"):
        refused = http.get(f"{base}/verify/{wrong}", headers={"Accept-Language": "el"})
        assert refused.status_code == 404, wrong
        assert translation("el", "messages", "No record with this code") in refused.text
    assert http.get(f"{base}/verify/", params={"code": "nonsense"}).status_code == 404


def test_a_record_shows_no_name_when_the_platform_shared_none(library_tool):
    learner = Learner(library_tool, name="Private Person", privacy="anonymous")
    learner.play_to_the_debrief()

    text = pdf_text(learner.record().content)

    assert "Private Person" not in text
    assert "Name" not in text  # no "Name" row at all
    assert CODE.search(text)


def test_the_database_keeps_only_the_codes_digest_and_forgets_it_with_the_learner(library_tool):
    learner = Learner(library_tool)
    learner.play_to_the_debrief()
    code = CODE.search(pdf_text(learner.record().content)).group(0)
    with library_tool.session() as session:
        (record,) = session.scalars(select(CompletionRecord))
        assert code not in record.code_digest
        assert code.replace("-", "") not in str(record.facts)
        assert record.facts["learner"] == "Alex Learner"
        account = session.scalars(select(LearnerAccount)).one()
        (exported,) = export_learner(session, account)["records_of_completion"]
        assert exported["facts"]["score"] == record.facts["score"]
        assert code.replace("-", "") not in str(exported).replace("-", "")
        delete_learner(session, account.id)
        session.commit()

    assert learner.browser.http.get(f"{library_tool.base_url}/verify/{code}").status_code == 404


def test_no_record_for_an_attempt_in_progress(library_tool):
    learner = Learner(library_tool, lang="de")
    scene = learner.click("/play/start")
    attempt = next(f for f in parse(scene.text).forms if "attempt" in f.fields).fields["attempt"]
    form = parse(scene.text).forms[0]

    refused = learner.browser.http.post(f"{library_tool.base_url}/play/record",
                                        data={"lt": form.fields["lt"], "attempt": attempt})  # fmt: skip

    assert refused.status_code == 409
    assert translation("de", "messages", "There is no record of completion yet") in refused.text
    with library_tool.session() as session:
        assert session.scalars(select(CompletionRecord)).all() == []


def test_no_record_of_someone_elses_attempt(library_tool):
    owner = Learner(library_tool, name="Owner Learner")
    owner.play_to_the_debrief()
    theirs = next(f for f in parse(owner.page.text).forms
                  if f.action.endswith("/play/record")).fields["attempt"]  # fmt: skip
    other = Learner(library_tool, name="Other Learner", lang="fr")
    token = parse(other.page.text).forms[0].fields["lt"]

    refused = other.browser.http.post(f"{library_tool.base_url}/play/record",
                                      data={"lt": token, "attempt": theirs})  # fmt: skip

    assert refused.status_code == 403
    assert translation("fr", "messages", "You do not have access to this page.") in refused.text
    assert not refused.headers["Content-Type"].startswith("application/pdf")


def test_no_record_without_a_launch(library_tool):
    import requests

    refused = requests.post(f"{library_tool.base_url}/play/record", data={"attempt": "1"},
                            timeout=15)  # fmt: skip
    assert refused.status_code == 401


def test_checking_codes_is_rate_limited(database_url, tmp_path, keys_dir):
    import requests

    from tests.support.live import live_tool

    with live_tool(database_url, tmp_path, keys_dir,
                   overrides={"THROTTLE_VERIFY_PER_ADDRESS": "3 per minute"}) as tool:  # fmt: skip
        answers = [requests.get(f"{tool.base_url}/verify/{n}AAA-AAAA-AAAA-AAAA-AAAA-AAAA",
                                timeout=15).status_code for n in range(5)]  # fmt: skip
    assert answers == [404, 404, 404, 429, 429]
