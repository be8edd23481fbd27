#!/usr/bin/python3
"""The console in a real browser: Debian's Chromium, headless, driven by
Selenium (python3-selenium) through chromium-driver, against a clienteled
started here from the shipped config/server.yaml (its ports on 0, no
metrics, no demo data) serving a copy of config/rules.

Each flow is a function below; all run, and the test fails if one does,
naming it. Screenshots of what the flows saw go to --screenshots, to look
at (a CJK font, fonts-wqy-microhei, renders the rules' Chinese names).

Run by ctest (console_browser); by hand:

    /usr/bin/python3 tests/server/gateway/console_browser_test.py --source . \\
      --clienteled build/server/clienteled --screenshots /tmp/console-shots

(Debian's /usr/bin/python3: a python3 of pyenv or a venv has no selenium.)
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ADMIN_TOKEN = "demo-admin-token"
READER_TOKEN = "demo-reader-token"
WRITER_TOKEN = "demo-writer-token"
MARKETER_TOKEN = "demo-marketer-token"
APPROVER_TOKEN = "demo-approver-token"
WAIT_SECONDS = 15


class Server:
    """A clienteled on free loopback ports, serving a copy of the rules."""

    def __init__(self, source, clienteled, root):
        self.root = root
        shutil.copytree(os.path.join(source, "config"), os.path.join(root, "config"))
        self.rules = os.path.join(root, "config", "rules")
        path = os.path.join(root, "config", "server.yaml")
        with open(path, encoding="utf-8") as f:
            config = f.read()
        config = re.sub(r"(?m)^listen:.*$", "listen: 127.0.0.1:0", config)
        config = re.sub(r"(?m)^http_listen:.*$", "http_listen: 127.0.0.1:0", config)
        config = re.sub(r"(?m)^metrics_listen:.*\n", "", config)
        config = re.sub(r"(?m)^demo_data:.*$", "demo_data: false", config)
        with open(path, "w", encoding="utf-8") as f:
            f.write(config)
        self.log_path = os.path.join(root, "server.log")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([clienteled, "--config", path], cwd=root,
                                            stdout=subprocess.PIPE, stderr=log)
        self.url = None
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").strip()
            if line.startswith("http on "):
                self.url = "http://" + line[len("http on "):]
            if line.startswith("listening on "):
                break
        if self.url is None:
            raise RuntimeError(f"clienteled did not start; see {self.log_path}")

    def edit_rules(self, name, edit):
        """Replaces the file at once, as an editor that saves safely does: the
        watcher never sees it half written."""
        path = os.path.join(self.rules, name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        staged = os.path.join(self.root, name + ".staged")
        with open(staged, "w", encoding="utf-8") as f:
            f.write(edit(text))
        os.replace(staged, path)

    def call(self, method, request, token):
        """Calls the JSON gateway as a backend would; returns the answer."""
        body = json.dumps(request).encode("utf-8")
        http = urllib.request.Request(
            f"{self.url}/clientele.v1.{method}", data=body, method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(http, timeout=WAIT_SECONDS) as answer:
            return json.loads(answer.read())

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def open_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=en"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait_for(driver, condition, what):
    """Waits for `condition`; an element it holds that the page redrew
    meanwhile (a sheet is redrawn with each answer) only means "not yet"."""
    try:
        return WebDriverWait(driver, WAIT_SECONDS,
                             ignored_exceptions=(NoSuchElementException,
                                                 StaleElementReferenceException)).until(
            lambda d: condition(d))
    except Exception as error:
        raise AssertionError(f"waited {WAIT_SECONDS} s for {what}") from error


def text_of(driver, element_id):
    return driver.find_element(By.ID, element_id).text


def shown(driver, element_id):
    return driver.find_element(By.ID, element_id).is_displayed()


def log_in(driver, url, token):
    driver.get(url + "/")
    wait_for(driver, lambda d: shown(d, "login"), "the login form")
    field = driver.find_element(By.ID, "token")
    field.clear()
    field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#login-form button").click()


def browser_errors(driver):
    """Console errors of the page: a CSP violation shows up here. The page's
    first question, whether this browser has a login (401: not yet), is
    not one."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]
            and not ("/console/session " in entry["message"] and "401" in entry["message"])]


def flow_login(driver, server, shots):
    """A wrong token is refused on the page; the right one opens the status,
    and the token is nowhere the page (or a script in it) could read."""
    log_in(driver, server.url, "not-a-token")
    wait_for(driver, lambda d: "not a token" in text_of(d, "login-error"), "the refusal")
    assert not shown(driver, "status")
    log_in(driver, server.url, ADMIN_TOKEN)
    wait_for(driver, lambda d: re.fullmatch(r"[0-9a-f]{12}", text_of(d, "version")),
             "the version served")
    assert text_of(driver, "who-name") == "demo-admin", text_of(driver, "who-name")
    assert text_of(driver, "who-role") == "admin"
    assert "accepted" in driver.find_element(By.ID, "attempt").get_attribute("class")
    rows = driver.find_elements(By.CSS_SELECTOR, "#versions tbody tr")
    assert len(rows) >= 1, "no version listed"
    driver.save_screenshot(os.path.join(shots, "status.png"))
    # HttpOnly: the login cookie is not for scripts; nothing kept in storage.
    assert driver.execute_script("return document.cookie") == ""
    assert driver.execute_script("return localStorage.length + sessionStorage.length") == 0
    assert ADMIN_TOKEN not in driver.page_source
    assert ADMIN_TOKEN not in driver.current_url
    assert driver.find_element(By.ID, "token").get_attribute("value") == ""
    errors = browser_errors(driver)
    # The wrong token's 401 is the one error expected in the console.
    assert all("401" in error for error in errors), errors


def flow_live_status(driver, server, shots):
    """An edit of the rules shows up without reloading the page; a broken one
    shows its diagnostic (file:line:column and a caret) while the old
    version keeps serving."""
    log_in(driver, server.url, ADMIN_TOKEN)
    wait_for(driver, lambda d: re.fullmatch(r"[0-9a-f]{12}", text_of(d, "version")), "a version")
    before = text_of(driver, "version")
    server.edit_rules("parameters.yaml", lambda text: text + "# edited by the browser test\n")
    wait_for(driver, lambda d: text_of(d, "version") not in ("", before), "the new version")
    after = text_of(driver, "version")
    server.edit_rules("parameters.yaml",
                      lambda text: text.replace("young_age_limit: 40", "young_age_limit: [40"))
    wait_for(driver,
             lambda d: "rejected" in d.find_element(By.ID, "attempt").get_attribute("class"),
             "the rejected reload")
    diagnostics = text_of(driver, "diagnostics")
    assert "parameters.yaml:" in diagnostics, diagnostics
    assert "^" in diagnostics, diagnostics
    assert text_of(driver, "version") == after, "the old version must keep serving"
    driver.save_screenshot(os.path.join(shots, "rejected.png"))
    server.edit_rules("parameters.yaml",
                      lambda text: text.replace("young_age_limit: [40", "young_age_limit: 40"))
    wait_for(driver,
             lambda d: "rejected" not in d.find_element(By.ID, "attempt").get_attribute("class"),
             "the repaired rules")


def flow_login_survives_a_reload_and_logout_ends_it(driver, server, shots):
    log_in(driver, server.url, READER_TOKEN)
    wait_for(driver, lambda d: text_of(d, "who-name") == "demo-reader", "the reader's login")
    driver.refresh()
    wait_for(driver, lambda d: shown(d, "status") and text_of(d, "who-role") == "reader",
             "the login after a reload")
    driver.find_element(By.ID, "logout").click()
    wait_for(driver, lambda d: shown(d, "login"), "the login form after logging out")
    driver.refresh()
    wait_for(driver, lambda d: shown(d, "login"), "the login form after a reload")
    assert not shown(driver, "status")


def flow_logging_out_in_another_tab_ends_this_one(driver, server, shots):
    """The login is the browser's: logging out in one tab ends the other's
    live status too, which then asks to log in again."""
    log_in(driver, server.url, ADMIN_TOKEN)
    wait_for(driver, lambda d: shown(d, "status"), "the status")
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(server.url + "/")
    wait_for(driver, lambda d: shown(d, "status"), "the status in the second tab")
    driver.find_element(By.ID, "logout").click()
    wait_for(driver, lambda d: shown(d, "login"), "the login form in the second tab")
    driver.switch_to.window(first)
    wait_for(driver, lambda d: shown(d, "login") and "ended" in text_of(d, "login-error"),
             "the first tab to notice")
    driver.save_screenshot(os.path.join(shots, "login-ended.png"))


def flow_text_from_the_data_is_never_html(driver, server, shots):
    """A rule file with markup in it: the diagnostic shows the markup as
    text, and no element comes of it."""
    log_in(driver, server.url, ADMIN_TOKEN)
    wait_for(driver, lambda d: shown(d, "status"), "the status")
    server.edit_rules("parameters.yaml",
                      lambda text: text.replace("young_age_limit: 40",
                                                "young_age_limit: <img src=x id=injected>"))
    wait_for(driver,
             lambda d: "rejected" in d.find_element(By.ID, "attempt").get_attribute("class"),
             "the rejected reload")
    assert "<img src=x id=injected>" in text_of(driver, "diagnostics")
    assert not driver.find_elements(By.ID, "injected")
    server.edit_rules("parameters.yaml",
                      lambda text: text.replace("young_age_limit: <img src=x id=injected>",
                                                "young_age_limit: 40"))
    wait_for(driver,
             lambda d: "rejected" not in d.find_element(By.ID, "attempt").get_attribute("class"),
             "the repaired rules")


def flow_try_a_customer(driver, server, shots):
    """Feature 2, as a marketer: a stored customer and a pasted one, each
    with its decision and every rule marked ✓ or ✗ with its reasons in
    plain words; JSON that is not JSON is refused on the page."""
    server.call("Customers/UpsertCustomer",
                {"idempotency_key": "browser-try-1",
                 "customer": {"id": "try-1", "name": "王芳", "age": 25, "consumption": "low"}},
                WRITER_TOKEN)
    log_in(driver, server.url, MARKETER_TOKEN)
    wait_for(driver, lambda d: text_of(d, "who-role") == "marketer", "the marketer's login")
    driver.find_element(By.CSS_SELECTOR, "#nav a[data-screen=try]").click()
    wait_for(driver, lambda d: shown(d, "try"), "the try screen")
    assert not shown(driver, "status")
    driver.find_element(By.ID, "try-customer-id").send_keys("try-1")
    driver.find_element(By.CSS_SELECTOR, "#try-form button").click()
    wait_for(driver, lambda d: shown(d, "try-result"), "the stored customer's decision")
    decision = text_of(driver, "try-decision")
    assert "年轻低收入群体" in decision and "满100减20" in decision, decision
    def rule(rule_id):
        return driver.find_element(By.XPATH, "//div[contains(@class,'rule')]"
                                   f"[.//span[@class='rule-id' and text()='{rule_id}']]")
    matched = rule("young_low_income")
    assert "good" in matched.get_attribute("class")
    assert "✓" in matched.text and "age is 25, less than young_age_limit (40)" in matched.text, \
        matched.text
    missed = rule("high_value")
    assert "bad" in missed.get_attribute("class")
    assert "✗" in missed.text, missed.text
    assert "purchase_frequency is 0, needs more than high_value_min_frequency (10)" in \
        missed.text, missed.text
    # First match: the rules after the one that matched are not checked.
    skipped = rule("young_mid_income")
    assert "skipped" in skipped.get_attribute("class")
    assert "young_low_income" in skipped.text and "matched first" in skipped.text, skipped.text
    driver.save_screenshot(os.path.join(shots, "try-stored.png"))

    # A customer pasted as JSON: first not JSON, then one.
    paste = driver.find_element(By.ID, "try-json")
    paste.send_keys('{"age": 52, "consumption": "high"')
    driver.find_element(By.CSS_SELECTOR, "#try-form button").click()
    wait_for(driver, lambda d: "not JSON" in text_of(d, "try-error"), "the JSON refusal")
    assert not shown(driver, "try-result")
    paste.send_keys("}")
    driver.find_element(By.CSS_SELECTOR, "#try-form button").click()
    wait_for(driver, lambda d: shown(d, "try-result") and "中年高收入群体" in text_of(
        d, "try-decision"), "the pasted customer's decision")
    assert "生日礼物" in text_of(driver, "try-decision")
    assert text_of(driver, "try-error") == ""
    # A field the API does not know: the server's message, on the page.
    paste.clear()
    paste.send_keys('{"agee": 52}')
    driver.find_element(By.CSS_SELECTOR, "#try-form button").click()
    wait_for(driver, lambda d: "agee" in text_of(d, "try-error"), "the unknown field named")
    driver.save_screenshot(os.path.join(shots, "try-error.png"))


def retype(field, text):
    """Replaces a cell's text as a person does (select all, type, Enter):
    clear() would send the empty cell as a change of its own."""
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text + Keys.ENTER)


def flow_edit_a_parameter_and_its_comment_stays(driver, server, shots):
    """Feature 3: a marketer starts a draft from the rules served and edits a
    threshold in the sheet; the file changes in that value only (its
    comment and every other line as they were); a value that is not one is
    refused beside its cell, keeping what was typed; one the rules cannot
    use is kept and shown with its diagnostic."""
    log_in(driver, server.url, MARKETER_TOKEN)
    wait_for(driver, lambda d: text_of(d, "who-role") == "marketer", "the marketer's login")
    driver.find_element(By.CSS_SELECTOR, "#nav a[data-screen=drafts]").click()
    wait_for(driver, lambda d: shown(d, "drafts"), "the drafts screen")
    driver.find_element(By.ID, "draft-title").send_keys("双十一 thresholds")
    driver.find_element(By.CSS_SELECTOR, "#draft-new button").click()
    wait_for(driver, lambda d: shown(d, "draft") and "revision 1" in text_of(d, "draft-state"),
             "the new draft")
    assert "Loads" in text_of(driver, "draft-loads"), text_of(driver, "draft-loads")

    def row(name):
        return driver.find_element(By.CSS_SELECTOR, f'#parameters tr[data-parameter="{name}"]')
    young = row("young_age_limit")
    comment = young.find_element(By.CSS_SELECTOR, ".comment").get_attribute("value")
    assert "under this age counts as young" in comment, comment
    assert "young_low_income" in young.text, young.text  # read by
    retype(young.find_element(By.CSS_SELECTOR, ".value"), "35")
    wait_for(driver, lambda d: "revision 2" in text_of(d, "draft-state"), "the edit")
    assert row("young_age_limit").find_element(By.CSS_SELECTOR, ".comment").get_attribute(
        "value") == comment
    # The file as the server keeps it: that value changed, nothing else.
    draft_id = driver.find_element(By.CSS_SELECTOR, "#drafts-list tr.open").get_attribute(
        "data-draft")
    draft = server.call("Drafts/GetDraft", {"id": draft_id}, MARKETER_TOKEN)
    text = next(f["text"] for f in draft["files"] if f["name"] == "parameters.yaml")
    with open(os.path.join(server.rules, "parameters.yaml"), encoding="utf-8") as f:
        original = f.read()
    assert text == original.replace("young_age_limit: 40", "young_age_limit: 35"), text
    driver.save_screenshot(os.path.join(shots, "draft-edited.png"))

    # Not one value: refused beside the cell, the typed text kept, nothing changed.
    retype(row("review_step").find_element(By.CSS_SELECTOR, ".value"), "0.2 # smaller")
    wait_for(driver, lambda d: "comment" in row("review_step").find_element(
        By.CSS_SELECTOR, ".cell-error").text, "the refusal beside the cell")
    assert row("review_step").find_element(By.CSS_SELECTOR, ".value").get_attribute(
        "value") == "0.2 # smaller"
    assert "revision 2" in text_of(driver, "draft-state")
    driver.save_screenshot(os.path.join(shots, "draft-refused.png"))

    # A comment of its own for a parameter of a group.
    note = row("loyal_min_amount").find_element(By.CSS_SELECTOR, ".comment")
    note.send_keys("元")
    driver.find_element(By.ID, "draft-heading").click()  # leaving the cell sends it
    wait_for(driver, lambda d: "revision 3" in text_of(d, "draft-state"), "the comment")
    draft = server.call("Drafts/GetDraft", {"id": draft_id}, MARKETER_TOKEN)
    text = next(f["text"] for f in draft["files"] if f["name"] == "parameters.yaml")
    assert "  # 元\n  loyal_min_amount: 500\n" in text, text

    # A sheet not exported from this page is refused: its revision is unknown.
    stray = os.path.join(server.root, "stray.csv")
    with open(stray, "w", encoding="utf-8") as f:
        f.write("file,name,value,comment\r\n")
    driver.find_element(By.ID, "sheet-file").send_keys(stray)
    wait_for(driver, lambda d: "Export the sheet from this page first" in text_of(
        d, "draft-error"), "the refused stray sheet")

    # A spreadsheet round trip: exported, one value changed, imported.
    driver.find_element(By.ID, "sheet-export").click()
    wait_for(driver, lambda d: "revision 3" in text_of(d, "sheet-download"), "the export")
    link = driver.find_element(By.ID, "sheet-download")
    assert link.get_attribute("download") == f"draft-{draft_id}-parameters.csv"
    assert link.get_attribute("href").startswith("blob:")
    sheet = server.call("Drafts/ExportDraftParameters", {"id": draft_id}, MARKETER_TOKEN)["csv"]
    path = os.path.join(server.root, "sheet.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(sheet.replace("middle_band_limit,60,", "middle_band_limit,65,")
                + "parameters.yaml,no_such_one,1,,\r\n")
    driver.find_element(By.ID, "sheet-file").send_keys(path)
    wait_for(driver, lambda d: "no_such_one" in text_of(d, "draft-error"), "the refused sheet")
    assert "nothing was changed" in text_of(driver, "draft-error")
    assert "revision 3" in text_of(driver, "draft-state")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(sheet.replace("middle_band_limit,60,", "middle_band_limit,65,"))
    driver.find_element(By.ID, "sheet-file").send_keys(path)
    wait_for(driver, lambda d: "revision 4" in text_of(d, "draft-state"), "the import")
    assert row("middle_band_limit").find_element(By.CSS_SELECTOR, ".value").get_attribute(
        "value") == "65"
    draft = server.call("Drafts/GetDraft", {"id": draft_id}, MARKETER_TOKEN)
    after = next(f["text"] for f in draft["files"] if f["name"] == "parameters.yaml")
    assert after == text.replace("middle_band_limit: 60", "middle_band_limit: 65"), after

    # Text where the rules compare a number: kept, and the draft says why it cannot serve.
    retype(row("young_age_limit").find_element(By.CSS_SELECTOR, ".value"), '"forty"')
    wait_for(driver, lambda d: "revision 5" in text_of(d, "draft-state"), "the breaking edit")
    assert "could not be served" in text_of(driver, "draft-loads")
    assert "young_age_limit" in text_of(driver, "draft-diagnostics")
    assert "not known while the draft does not load" in row("review_step").text
    assert "^" in text_of(driver, "draft-diagnostics")
    driver.save_screenshot(os.path.join(shots, "draft-broken.png"))


def flow_check_shows_a_lost_offer_in_red(driver, server, shots):
    """Feature 4: a draft that lowers a threshold is checked; the from → to
    matrix shows who moves, the offer a customer loses is red, the seeds'
    tests fail so it may not be published, and an example customer opens
    its decision under the draft."""
    server.call("Customers/UpsertCustomer",
                {"idempotency_key": "browser-check-1",
                 "customer": {"id": "check-35", "age": 35, "consumption": "low"}},
                WRITER_TOKEN)
    draft = server.call("Drafts/CreateDraft", {"title": "younger young"}, MARKETER_TOKEN)
    draft_id = draft["summary"]["id"]
    log_in(driver, server.url, MARKETER_TOKEN)
    wait_for(driver, lambda d: text_of(d, "who-role") == "marketer", "the marketer's login")
    driver.get(server.url + "/#drafts")
    wait_for(driver, lambda d: d.find_elements(
        By.CSS_SELECTOR, f'#drafts-list tr[data-draft="{draft_id}"] button'), "the draft listed")
    driver.find_element(By.CSS_SELECTOR, f'#drafts-list tr[data-draft="{draft_id}"] button').click()
    wait_for(driver, lambda d: "younger young" in text_of(d, "draft-heading"), "the draft open")
    young = driver.find_element(By.CSS_SELECTOR,
                                '#parameters tr[data-parameter="young_age_limit"] .value')
    retype(young, "30")
    wait_for(driver, lambda d: "revision 2" in text_of(d, "draft-state"), "the edit")
    driver.find_element(By.ID, "draft-check").click()
    wait_for(driver, lambda d: "checks failed" in text_of(d, "check-verdict"), "the check")
    steps = text_of(driver, "check-steps")
    assert "loads" in steps and "failing on" in steps, steps
    # The matrix: check-35 moves out of 年轻低收入群体.
    matrix = driver.find_element(By.CSS_SELECTOR, 'table.matrix[data-dimension="life_stage"]')
    moved = matrix.find_elements(By.CSS_SELECTOR, "td.move a.example")
    assert "check-35" in [a.text for a in moved], matrix.text
    # The offer it loses, in red.
    lost = driver.find_element(By.CSS_SELECTOR, 'table.offers-moved tr[data-offer="满100减20"] td.lost')
    assert lost.text.startswith("−"), lost.text
    assert lost.value_of_css_property("color") in ("rgba(179, 38, 30, 1)", "rgb(179, 38, 30)"), \
        lost.value_of_css_property("color")
    # The cost: the seeds price nothing in money, and say so.
    cost = text_of(driver, "check-cost")
    assert "Cost in money" in cost and "Total" in cost, cost
    assert "points are not priced" in cost, cost
    assert "young_age_limit" in text_of(driver, "check-changes")
    assert "40 → 30" in text_of(driver, "check-changes")
    driver.execute_script("document.getElementById('check-simulation').scrollIntoView()")
    driver.save_screenshot(os.path.join(shots, "check.png"))
    # An example opens its decision under the draft.
    lost.find_element(By.LINK_TEXT, "check-35").click()
    wait_for(driver, lambda d: shown(d, "try") and shown(d, "try-result"), "the example tried")
    assert f"draft {draft_id}" in text_of(driver, "try-version"), text_of(driver, "try-version")
    assert "年轻低收入群体" not in text_of(driver, "try-decision"), text_of(driver, "try-decision")
    errors = browser_errors(driver)
    assert errors == [], errors


def draft_with_a_comment_changed(server, title, token=MARKETER_TOKEN):
    """A draft (by `token`) whose one change is a comment: every check
    passes. Returns its id."""
    draft = server.call("Drafts/CreateDraft", {"title": title}, token)
    edited = server.call("Drafts/EditDraft", {
        "id": draft["summary"]["id"], "revision": draft["summary"]["revision"],
        "set_parameter_comment": {"file": "parameters.yaml", "name": "young_age_limit",
                                  "comment": f"under this age counts as young ({title})"}},
        token)
    return edited["summary"]["id"]


def open_draft(driver, server, draft_id):
    driver.get(f"{server.url}/#drafts?draft={draft_id}")
    wait_for(driver, lambda d: shown(d, "draft") and d.find_element(
        By.CSS_SELECTOR, f'#drafts-list tr.open[data-draft="{draft_id}"]'), "the draft open")


def flow_approval_by_a_second_token(driver, server, shots):
    """Feature 5: the marketer submits a draft whose check passes; the
    marketer may not approve; the approver does, with a comment, and the
    request's audit shows both steps with the check's lines."""
    draft_id = draft_with_a_comment_changed(server, "four eyes")
    log_in(driver, server.url, MARKETER_TOKEN)
    wait_for(driver, lambda d: text_of(d, "who-role") == "marketer", "the marketer's login")
    open_draft(driver, server, draft_id)
    driver.find_element(By.ID, "submit-comment").send_keys("young_age_limit's comment")
    driver.find_element(By.ID, "draft-submit").click()
    wait_for(driver, lambda d: "open" in text_of(d, "draft-request"), "the request submitted")
    driver.find_element(By.CSS_SELECTOR, "#draft-request a").click()
    wait_for(driver, lambda d: shown(d, "request") and "four eyes" in text_of(
        d, "request-heading"), "the request open")
    request_id = re.search(r"#(\d+)", text_of(driver, "request-heading")).group(1)
    # The submitter is offered no review of their own, only withdrawing it;
    # a marketer's role may not approve anyway.
    assert not shown(driver, "request-approve") and shown(driver, "request-withdraw")
    try:
        server.call("ChangeRequests/ApproveChangeRequest", {"id": request_id}, MARKETER_TOKEN)
        raise AssertionError("the marketer approved a request")
    except urllib.error.HTTPError as refused:
        assert refused.code == 403, refused.code
    assert "open" in text_of(driver, "request-state")
    # Nor may an approver approve a request of their own: four eyes, not a role.
    own = draft_with_a_comment_changed(server, "an approver's own", APPROVER_TOKEN)
    own_draft = server.call("Drafts/GetDraft", {"id": own}, APPROVER_TOKEN)
    own_request = server.call("ChangeRequests/SubmitChangeRequest", {
        "draft_id": own, "draft_revision": own_draft["summary"]["revision"]}, APPROVER_TOKEN)
    try:
        server.call("ChangeRequests/ApproveChangeRequest", {"id": own_request["id"]},
                    APPROVER_TOKEN)
        raise AssertionError("the approver approved their own request")
    except urllib.error.HTTPError as refused:
        answer = json.loads(refused.read())
        assert answer["code"] == "failed_precondition", answer
        assert "another person must approve" in answer["message"], answer

    approver = open_browser()  # a second person, in a browser of their own
    try:
        log_in(approver, server.url, APPROVER_TOKEN)
        wait_for(approver, lambda d: text_of(d, "who-role") == "approver", "the approver's login")
        approver.get(f"{server.url}/#requests?id={request_id}")
        wait_for(approver, lambda d: shown(d, "request") and "open" in text_of(
            d, "request-state"), "the request for review")
        assert not shown(approver, "request-withdraw")  # not theirs
        approver.find_element(By.ID, "request-comment").send_keys("ok for 双十一")
        approver.find_element(By.ID, "request-approve").click()
        wait_for(approver, lambda d: "approved, by demo-approver" in text_of(d, "request-state"),
                 "the approval")
        assert "ok for 双十一" in text_of(approver, "request-state")
        events = text_of(approver, "request-events")
        assert "submitted" in events and "approved" in events, events
        assert "✓ tests" in events and "✓ simulation" in events, events
        approver.save_screenshot(os.path.join(shots, "approval.png"))
        errors = browser_errors(approver)
        assert errors == [], errors
    finally:
        approver.quit()


def flow_an_edit_after_approval_voids_it(driver, server, shots):
    """Feature 5: a draft approved, then edited in the sheet: its request is
    void at once, and says why."""
    draft_id = draft_with_a_comment_changed(server, "edited later")
    draft = server.call("Drafts/GetDraft", {"id": draft_id}, MARKETER_TOKEN)
    request = server.call("ChangeRequests/SubmitChangeRequest", {
        "draft_id": draft_id, "draft_revision": draft["summary"]["revision"]}, MARKETER_TOKEN)
    server.call("ChangeRequests/ApproveChangeRequest", {"id": request["id"]}, APPROVER_TOKEN)
    log_in(driver, server.url, MARKETER_TOKEN)
    wait_for(driver, lambda d: text_of(d, "who-role") == "marketer", "the marketer's login")
    open_draft(driver, server, draft_id)
    wait_for(driver, lambda d: "approved" in text_of(d, "draft-request"), "the approval shown")
    value = driver.find_element(By.CSS_SELECTOR,
                                '#parameters tr[data-parameter="middle_band_limit"] .value')
    retype(value, "61")
    wait_for(driver, lambda d: "voided" in text_of(d, "draft-request"), "the approval voided")
    assert "the draft was changed" in text_of(driver, "draft-request"), text_of(
        driver, "draft-request")
    driver.execute_script("document.getElementById('draft').scrollIntoView()")
    driver.save_screenshot(os.path.join(shots, "approval-voided.png"))
    after = server.call("ChangeRequests/GetChangeRequest", {"id": request["id"]}, APPROVER_TOKEN)
    assert after["state"] == "voided", after
    assert [e["action"] for e in after["events"]] == ["submitted", "approved", "voided"], after


def flow_a_reader_cannot_start_a_draft(driver, server, shots):
    """Roles: drafts are for those who draft; a reader is told who may."""
    log_in(driver, server.url, READER_TOKEN)
    wait_for(driver, lambda d: text_of(d, "who-role") == "reader", "the reader's login")
    driver.get(server.url + "/#drafts")
    wait_for(driver, lambda d: shown(d, "drafts"), "the drafts screen")
    driver.find_element(By.ID, "draft-title").send_keys("mine")
    driver.find_element(By.CSS_SELECTOR, "#draft-new button").click()
    wait_for(driver, lambda d: "needs the role marketer, approver or admin" in text_of(
        d, "drafts-error"), "the refusal")
    assert not shown(driver, "draft")


FLOWS = [flow_login, flow_live_status, flow_login_survives_a_reload_and_logout_ends_it,
         flow_logging_out_in_another_tab_ends_this_one, flow_text_from_the_data_is_never_html,
         flow_try_a_customer, flow_edit_a_parameter_and_its_comment_stays,
         flow_check_shows_a_lost_offer_in_red, flow_approval_by_a_second_token,
         flow_an_edit_after_approval_voids_it, flow_a_reader_cannot_start_a_draft]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--clienteled", required=True)
    parser.add_argument("--screenshots", required=True)
    args = parser.parse_args()
    shutil.rmtree(args.screenshots, ignore_errors=True)  # no stale shots of an earlier run
    os.makedirs(args.screenshots)
    root = tempfile.mkdtemp(prefix="clientele-console-")
    server = Server(os.path.abspath(args.source), os.path.abspath(args.clienteled), root)
    failed = []
    try:
        for flow in FLOWS:
            driver = open_browser()
            started = time.monotonic()
            try:
                flow(driver, server, args.screenshots)
                print(f"ok    {flow.__name__} ({time.monotonic() - started:.1f} s)")
            except Exception:  # one flow's failure must not hide the others'
                failed.append(flow.__name__)
                print(f"FAIL  {flow.__name__}\n{traceback.format_exc()}")
                driver.save_screenshot(os.path.join(args.screenshots, f"{flow.__name__}-failed.png"))
            finally:
                driver.quit()
        for token in (ADMIN_TOKEN, READER_TOKEN, WRITER_TOKEN, MARKETER_TOKEN, APPROVER_TOKEN):
            if token in server.log():
                failed.append(f"the token {token} is in the server's log")
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"console flows: {len(FLOWS) - len([f for f in failed if f.startswith('flow_')])} "
          f"passed, {len(failed)} failed; screenshots in {args.screenshots}")
    for failure in failed:
        print(f"failed: {failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
