"""Deletes expired i18n cache entries and reports {"cleanedCount": n} through Nightshift's result file."""
import datetime, json, os, sqlite3

now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
database = sqlite3.connect(os.environ["APP_DATABASE"].removeprefix("sqlite:"))
cleaned = database.execute("DELETE FROM ai_cache WHERE expires_at < ?", (now,)).rowcount
database.commit()
with open(os.environ["NIGHTSHIFT_RESULT_FILE"], "a") as results:
    results.write(json.dumps({"details": {"cleanedCount": cleaned}}) + "\n")
