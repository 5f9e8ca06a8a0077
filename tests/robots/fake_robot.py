"""A fake DingTalk or WeCom group robot for tests/robot_plugins_test.cpp.

    fake_robot.py dingtalk|wecom PORT LOG CREDENTIAL [SECRET]

Listens on 127.0.0.1:PORT and answers like the real robot does, checking what
the real one checks: DingTalk the access_token (CREDENTIAL) and, when SECRET is
given, the 加签 signature recomputed from the query's timestamp; WeCom the key
(CREDENTIAL). Both check the JSON shape of the message. Every request is
appended to LOG as one JSON line with the errcode it got. Scripted failures, by
the unit named in the message: 区林业局 is rate limited on its first request,
区妇联 always gets HTTP 503.
"""
import base64
import hashlib
import hmac
import http.server
import json
import sys
import time
import urllib.parse

KIND, PORT, LOG, CREDENTIAL = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
SECRET = sys.argv[5] if len(sys.argv) > 5 else ""
RATE_LIMIT = {"dingtalk": (130101, "send too fast, exceed 20 times per minute"),
              "wecom": (45009, "api freq out of limit")}[KIND]
rate_limited = set()


def raw_query(path):
    """The query's pairs as sent: values still percent-encoded."""
    query = path.partition("?")[2]
    pairs = {}
    for item in query.split("&") if query else []:
        key, _, value = item.partition("=")
        pairs[key] = value
    return pairs


def text_of(kind, msg):
    """The message's text, or None when the shape is wrong."""
    if not isinstance(msg, dict) or msg.get("msgtype") not in ("markdown", "text"):
        return None
    part = msg.get(msg["msgtype"])
    if not isinstance(part, dict):
        return None
    if kind == "dingtalk":
        at = msg.get("at")
        if not isinstance(at, dict) or not isinstance(at.get("atMobiles"), list) \
                or not isinstance(at.get("isAtAll"), bool):
            return None
        if msg["msgtype"] == "markdown":
            if not isinstance(part.get("title"), str) or not part["title"]:
                return None
            text = part.get("text")
        else:
            text = part.get("content")
        if set(msg) - {"msgtype", "markdown", "text", "at"}:
            return None
    else:
        if set(msg) != {"msgtype", msg["msgtype"]}:
            return None
        text = part.get("content")
        limit = 4096 if msg["msgtype"] == "markdown" else 2048
        if not isinstance(text, str) or len(text.encode()) > limit:
            return None
        mentioned = part.get("mentioned_mobile_list", [])
        if msg["msgtype"] == "markdown" and "mentioned_mobile_list" in part:
            return None
        if not isinstance(mentioned, list) or not all(isinstance(m, str) for m in mentioned):
            return None
    return text if isinstance(text, str) and text else None


def check_credentials(path):
    """(errcode, errmsg) when the URL is refused, else None."""
    q = raw_query(path)
    if KIND == "dingtalk":
        if path.partition("?")[0] != "/robot/send":
            return 404, "not found"
        if urllib.parse.unquote(q.get("access_token", "")) != CREDENTIAL:
            return 300001, "token is not exist"
        if SECRET:
            ts = q.get("timestamp", "")
            if not ts.isdigit() or abs(time.time() * 1000 - int(ts)) > 3600 * 1000:
                return 310000, "timestamp is invalid"
            digest = hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
            expected = urllib.parse.quote(base64.b64encode(digest).decode(), safe="")
            if not hmac.compare_digest(q.get("sign", ""), expected):
                return 310000, "sign not match"
    else:
        if path.partition("?")[0] != "/cgi-bin/webhook/send":
            return 404, "not found"
        if urllib.parse.unquote(q.get("key", "")) != CREDENTIAL:
            return 93000, "invalid webhook url"
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status, answer = 200, (0, "ok")
        try:
            msg = json.loads(body)
        except ValueError:
            msg = None
        text = text_of(KIND, msg)
        refused = check_credentials(self.path)
        if refused:
            answer = refused
        elif not self.headers.get("Content-Type", "").startswith("application/json"):
            answer = (40035, "content type must be json")
        elif text is None:
            answer = (40035, "invalid message")
        elif "区妇联" in text:
            status = 503
        elif "区林业局" in text and "forestry" not in rate_limited:
            rate_limited.add("forestry")
            answer = RATE_LIMIT
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps({"path": self.path, "message": msg, "status": status,
                                "errcode": answer[0]}, ensure_ascii=False) + "\n")
        reply = json.dumps({"errcode": answer[0], "errmsg": answer[1]}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
