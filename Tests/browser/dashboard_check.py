#!/usr/bin/env python3
"""Drives the dashboard of a running `nightshift serve` in headless Chromium (Debian's chromium and
chromium-driver, through Selenium), as a viewer and as an admin. Run by the test suite
(DashboardBrowserTests), which starts the server; exits non-zero with the reason on the first
failed check.

Environment: NIGHTSHIFT_URL, VIEWER_TOKEN, ADMIN_TOKEN, SCREENSHOTS (a folder).
"""
import os
import sys
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (
    NoAlertPresentException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["NIGHTSHIFT_URL"].rstrip("/")
SHOTS = os.environ["SCREENSHOTS"]


def fail(message):
    print(f"FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def no_dialog(driver, where):
    try:
        alert = driver.switch_to.alert
        fail(f"a dialog opened on {where}: {alert.text!r}")
    except NoAlertPresentException:
        pass


def sign_in(driver, token):
    driver.get(BASE + "/")
    check("/sign-in" in driver.current_url, f"an anonymous visit did not go to sign-in: {driver.current_url}")
    driver.find_element(By.NAME, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 30).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "header nav")))


def wait_for(driver, what, condition, seconds=45):
    try:
        # The live refresh replaces the page's content every 2 s: an element found a moment ago
        # may be gone; look again.
        WebDriverWait(
            driver, seconds, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException, NoSuchElementException]
        ).until(lambda d: condition(d))
    except TimeoutException:
        fail(f"waited {seconds} s for {what}; page: {driver.find_element(By.TAG_NAME, 'main').text[:600]!r}")


def open_page(driver, path):
    """Loads `path` and waits for the dashboard's script, so that confirmations are in place."""
    driver.get(BASE + path)
    wait_ready(driver)


def wait_ready(driver):
    wait_for(driver, "the page's script", lambda d: d.execute_script("return document.documentElement.dataset.nightshift") == "ready")


def click(driver, css, button=None):
    """Clicks the element at `css` (or the button labelled `button` inside it), looking again if
    the live refresh replaced it meanwhile."""
    for _ in range(10):
        try:
            element = driver.find_element(By.CSS_SELECTOR, css)
            if button is not None:
                element = element.find_element(By.XPATH, f".//button[text()='{button}']")
            element.click()
            return
        except StaleElementReferenceException:
            time.sleep(0.1)
    fail(f"{css} {button or ''} kept changing under the click")


def accept_confirmation(driver):
    WebDriverWait(driver, 15).until(expected_conditions.alert_is_present())
    driver.switch_to.alert.accept()


PAGES = ["/", "/jobs", "/jobs/ok", "/runs", "/queues", "/failures"]


def viewer_checks():
    driver = browser()
    try:
        sign_in(driver, os.environ["VIEWER_TOKEN"])
        for page in PAGES:
            open_page(driver, page)
            no_dialog(driver, page)
            main = driver.find_element(By.TAG_NAME, "main")
            check("ok" in main.text or page in ("/queues", "/failures", "/"), f"{page} does not show the example jobs")
            # A viewer sees no control that changes anything: no form posting besides sign-out.
            actions = [f for f in driver.find_elements(By.CSS_SELECTOR, "main form[method=post]")]
            check(not actions, f"{page} shows {len(actions)} action(s) to a viewer")
        # A viewer's forged action is refused.
        cookie = driver.get_cookie("nightshift_session")["value"]
        status = post(BASE + "/jobs/ok/pause", {"csrf": "guess"}, cookie)
        check(status == 403, f"a viewer's action answered {status}, not 403")
    finally:
        driver.quit()


def post(url, fields, cookie):
    data = "&".join(f"{k}={v}" for k, v in fields.items()).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    request.add_header("Cookie", f"nightshift_session={cookie}")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        return urllib.request.build_opener(NoRedirect).open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


def admin_checks():
    driver = browser()
    try:
        sign_in(driver, os.environ["ADMIN_TOKEN"])
        driver.save_screenshot(os.path.join(SHOTS, "overview.png"))
        # Run a job from the Jobs page; its run appears and finishes on the Run page without a reload.
        open_page(driver, "/jobs")
        driver.save_screenshot(os.path.join(SHOTS, "jobs.png"))
        click(driver, "tr[data-job='slow']", "Run now")
        accept_confirmation(driver)
        wait_for(driver, "the run page", lambda d: "/runs/" in d.current_url)
        marker = driver.execute_script("window.__notReloaded = true; return window.__notReloaded")
        check(marker, "could not mark the page")
        wait_for(driver, "the run to succeed", lambda d: "succeeded" in d.find_element(By.TAG_NAME, "main").text, seconds=40)
        check(driver.execute_script("return window.__notReloaded === true"), "the run page was reloaded, not refreshed in place")
        driver.save_screenshot(os.path.join(SHOTS, "run.png"))
        # Pause and resume a job.
        open_page(driver, "/jobs")
        click(driver, "tr[data-job='ok']", "Pause")
        accept_confirmation(driver)
        wait_for(driver, "PAUSED", lambda d: "PAUSED" in d.find_element(By.CSS_SELECTOR, "tr[data-job='ok']").text)
        click(driver, "tr[data-job='ok']", "Resume")
        wait_for(driver, "resumed", lambda d: "PAUSED" not in d.find_element(By.CSS_SELECTOR, "tr[data-job='ok']").text)
        # A job whose error holds markup shows it as text and opens no dialog.
        driver.get(BASE + "/runs?job=xss")
        wait_for(driver, "the xss job's failed run", lambda d: "<img src=x onerror=alert(1)>" in d.find_element(By.TAG_NAME, "main").text)
        no_dialog(driver, "/runs?job=xss")
        click(driver, "tr[data-run] a")
        wait_for(driver, "the run page", lambda d: "/runs/" in d.current_url)
        time.sleep(0.5)
        no_dialog(driver, "the xss run page")
        check("<img src=x onerror=alert(1)>" in driver.find_element(By.TAG_NAME, "main").text, "the error is not shown as text")
        # The page's own markup renders: the error sits in its styled box, not printed as markup.
        errors = driver.find_elements(By.CSS_SELECTOR, "main .error-text")
        check(any("<img src=x onerror=alert(1)>" in e.text for e in errors), "the attempt's error is not in its .error-text box")
        check('class="error-text"' not in driver.find_element(By.TAG_NAME, "main").text, "the page's own markup shows as text")
        # Retry a failed run.
        click(driver, "main", "Retry")
        wait_for(driver, "the retry's run page", lambda d: "retry" in d.find_element(By.TAG_NAME, "main").text)
        # Bulk-retry a filter.
        open_page(driver, "/runs?job=xss&status=failed")
        click(driver, "main form[data-confirm^='Retry every'] button")
        accept_confirmation(driver)
        wait_for(driver, "the bulk retry's runs", lambda d: "trigger=retry" in d.current_url)
        # Screenshots of the other pages.
        for name, page in (("queues", "/queues"), ("failures", "/failures"), ("job", "/jobs/ok"), ("runs", "/runs")):
            open_page(driver, page)
            no_dialog(driver, page)
            driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
        # A POST without the CSRF token is refused, with the admin's own session.
        cookie = driver.get_cookie("nightshift_session")["value"]
        check(post(BASE + "/jobs/ok/pause", {}, cookie) == 403, "an action without the CSRF token was not refused")
        # Sign out ends the session.
        driver.find_element(By.XPATH, "//button[text()='Sign out']").click()
        wait_for(driver, "the sign-in page", lambda d: "/sign-in" in d.current_url)
        driver.get(BASE + "/runs")
        check("/sign-in" in driver.current_url, "after sign-out a page still opened")
    finally:
        driver.quit()


viewer_checks()
admin_checks()
print("dashboard checks passed")
