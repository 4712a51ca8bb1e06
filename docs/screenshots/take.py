#!/usr/bin/env python3
"""Signs in to a running dashboard in headless Chromium and saves the README's pictures: the
Overview, the Runs page searched for a param value, and a run that failed and was retried.
Environment: NIGHTSHIFT_URL, TOKEN, OUT (a folder). Run by scripts/screenshots.sh."""
import os

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["NIGHTSHIFT_URL"].rstrip("/")
OUT = os.environ["OUT"]

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get(BASE + "/sign-in")
    driver.find_element(By.NAME, "token").send_keys(os.environ["TOKEN"])
    driver.find_element(By.XPATH, "//button[text()='Sign in']").click()
    WebDriverWait(driver, 60).until(lambda d: "/sign-in" not in d.current_url)

    def shot(path, name):
        driver.get(BASE + path)
        WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.documentElement.dataset.nightshift") == "ready")
        driver.save_screenshot(os.path.join(OUT, f"dashboard-{name}.png"))

    # The Overview's counts and chart come from statistics kept a few seconds behind: wait for them.
    driver.get(BASE + "/")
    WebDriverWait(driver, 120, poll_frequency=1).until(
        lambda d: d.refresh() is None and "No run ended in the last hour" not in d.find_element(By.TAG_NAME, "main").text
    )
    shot("/", "overview")
    shot("/runs?q=reddit", "runs")
    # A scrape that failed once and was retried: its page shows both attempts with their times.
    driver.get(BASE + "/runs?job=scrape-products&status=succeeded")
    links = driver.find_elements(By.CSS_SELECTOR, "tr[data-run] a")
    retried = None
    for link in [l.get_attribute("href") for l in links if "/runs/" in (l.get_attribute("href") or "")]:
        driver.get(link)
        if "attempt 2" in driver.find_element(By.TAG_NAME, "main").text:
            retried = link
            break
    shot(retried[len(BASE):] if retried else "/runs?job=scrape-products", "run")
finally:
    driver.quit()
