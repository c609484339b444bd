#!/usr/bin/env python3
"""Drive every Account/Queue/Topic/Subscription method of the official CMQ Python SDK
(tencentyun/cmq-python-sdk, ported to Python 3 as described in test/sdk/README.md) against an
OpenCMQ server.

usage: PY_CMQ_SDK_DIR=<dir containing the cmq package> \
       python3 run_compat.py [--out DIR] http://127.0.0.1:PORT [SECRET_ID SECRET_KEY]

The SDK is used as is.  Raw requests/responses are taken from the SDK's own DEBUG log
records ("SendRequest ..." / "GetResponse ..." emitted by cmq_http.CMQHttp), captured by a
logging handler attached here; nothing in the SDK is patched.
Results: table on stdout, JSON (with raw request/response of each FAIL) in DIR/compat_results.json
(--out DIR; a new temporary directory when not given).  The last line is "N passed, M failed";
the exit status is 1 when any check failed.
Note: because a handler is attached to the SDK's logger before the first Account is made, the SDK's
CMQLogger.get_logger() sees a non-empty handler list and does not add its CMQ_python_sdk.log file handler.
"""
import argparse
import http.server
import json
import logging
import os
import sys
import tempfile
import threading
import time
import traceback
import warnings

warnings.simplefilter("ignore", DeprecationWarning)  # subscription.py imports mailcap

_ap = argparse.ArgumentParser(description="OpenCMQ compatibility run of the CMQ Python SDK")
_ap.add_argument("--out", help="directory for compat_results.json (default: a new temporary directory)")
_ap.add_argument("endpoint", nargs="?", default="http://127.0.0.1:9720")
_ap.add_argument("secret_id", nargs="?", default="AKIDpytest")
_ap.add_argument("secret_key", nargs="?", default="pytestsecret")
ARGS = _ap.parse_args()

SDK_DIR = os.environ.get("PY_CMQ_SDK_DIR", "")
if not SDK_DIR or not os.path.isfile(os.path.join(SDK_DIR, "cmq", "account.py")):
    print("PY_CMQ_SDK_DIR must name a directory containing the cmq package (cmq/account.py); got %r"
          % SDK_DIR, file=sys.stderr)
    sys.exit(2)
sys.path.insert(0, os.path.abspath(SDK_DIR))

from cmq.account import Account                      # noqa: E402
from cmq.queue import QueueMeta, Message             # noqa: E402
from cmq.topic import TopicMeta, Message as TopicMessage  # noqa: E402
from cmq.subscription import SubscriptionMeta        # noqa: E402
from cmq.cmq_exception import CMQExceptionBase, CMQServerException  # noqa: E402

ENDPOINT = ARGS.endpoint
SECRET_ID = ARGS.secret_id
SECRET_KEY = ARGS.secret_key
OUT_DIR = os.path.abspath(ARGS.out) if ARGS.out else tempfile.mkdtemp(prefix="opencmq-pysdk-")
RUN = "py%d" % (int(time.time()) % 100000)

SPECIAL_AT = "@starts with at-sign"
SPECIAL_CN = "中文消息 & a=b + c%20d %41 ?#/\\ 'q' \"dq\" ✓"
SPECIAL_MIX = "@中文 & = + % 混合"


# --------------------------------------------------------------------------- raw capture
class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        msg = record.getMessage()
        if msg.startswith("SendRequest") or msg.startswith("GetResponse"):
            self.records.append(msg)

    def mark(self):
        return len(self.records)

    def since(self, mark):
        return self.records[mark:]


CAP = Capture()
logging.getLogger("CMQ_python_sdk").addHandler(CAP)

# --------------------------------------------------------------------------- results
RESULTS = []


class CheckFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)


def step(group, name, fn):
    mark = CAP.mark()
    t0 = time.time()
    entry = {"group": group, "method": name}
    try:
        detail = fn()
        entry.update(status="OK", detail=detail if detail is not None else "")
    except CheckFailed as e:
        entry.update(status="FAIL", kind="wrong result", error=str(e))
    except CMQExceptionBase as e:
        entry.update(status="FAIL", kind="SDK exception %s" % type(e).__name__, error=str(e))
    except Exception as e:  # noqa: BLE001
        entry.update(status="FAIL", kind="Python exception %s" % type(e).__name__,
                     error="%s: %s" % (type(e).__name__, e), trace=traceback.format_exc())
    entry["seconds"] = round(time.time() - t0, 2)
    if entry["status"] == "FAIL":
        entry["raw"] = CAP.since(mark)[-4:]
    RESULTS.append(entry)
    print("%-4s %-10s %-60s %5.1fs %s" % (entry["status"], group, name, entry["seconds"],
          entry.get("detail") if entry["status"] == "OK" else entry["kind"] + ": " + entry["error"]),
          flush=True)
    return entry


def expect_code(fn, code):
    """Run fn, expecting a CMQServerException with the given code; return its text."""
    try:
        fn()
    except CMQServerException as e:
        check(e.code == code, "expected code %s, got %s (%s)" % (code, e.code, e.message))
        return "CMQServerException code=%s message=%r" % (e.code, e.message)
    raise CheckFailed("expected CMQServerException code %s, call succeeded" % code)


def new_account(sign=None, method=None):
    acct = Account(ENDPOINT, SECRET_ID, SECRET_KEY, debug=False)
    acct.set_log_level(logging.DEBUG)
    if sign:
        acct.set_sign(sign)
    if method:
        acct.get_client().set_method(method)
    return acct


def drain(queue, limit=50):
    got = []
    while len(got) < limit:
        try:
            msgs = queue.batch_receive_message(16, 1)
        except CMQServerException as e:
            if e.code == 7000:
                break
            raise
        queue.batch_delete_message([m.receiptHandle for m in msgs])
        got.extend(m.msgBody for m in msgs)
    return got


# --------------------------------------------------------------------------- HTTP push sink
PUSHES = []


class PushHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        PUSHES.append({"path": self.path, "headers": dict(self.headers), "body": body.decode("utf-8", "replace")})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def start_push_sink():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PushHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def wait_pushes(pred, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        hits = [p for p in PUSHES if pred(p)]
        if hits:
            return hits
        time.sleep(0.2)
    return []


# --------------------------------------------------------------------------- queue suite
def queue_suite(tag, acct, full=True):
    G = "queue/" + tag
    qname = "%s-%s-q1" % (RUN, tag)
    q = acct.get_queue(qname)

    def create():
        meta = QueueMeta()
        meta.queueName = qname
        meta.pollingWaitSeconds = 0
        meta.visibilityTimeout = 3
        meta.maxMsgSize = 65536
        meta.msgRetentionSeconds = 3600
        meta.rewindSeconds = 3600
        q.create(meta)
        return "created %s" % qname
    step(G, "Queue.create(QueueMeta)", create)

    if full:
        extra = ["%s-%s-q2" % (RUN, tag), "%s-%s-q3" % (RUN, tag)]
        step(G, "Queue.create x2 more (for listing)",
             lambda: [acct.get_queue(n).create(QueueMeta()) for n in extra] and "ok")

        def list_all():
            total, lst, nxt = acct.list_queue()
            names = [x["queueName"] for x in lst]
            check(qname in names, "%s not in %s" % (qname, names))
            check(all("queueId" in x for x in lst), "queueId missing: %s" % lst[:2])
            return "total=%s next_offset=%r first=%s" % (total, nxt, lst[0])
        step(G, "Account.list_queue()", list_all)

        def list_search():
            total, lst, nxt = acct.list_queue(searchWord="%s-%s" % (RUN, tag))
            names = sorted(x["queueName"] for x in lst)
            check(total == 3 and len(names) == 3, "expected 3, got total=%s %s" % (total, names))
            return "total=%s names=%s next=%r" % (total, names, nxt)
        step(G, "Account.list_queue(searchWord)", list_search)

        def list_paged():
            seen = []
            total, lst, nxt = acct.list_queue(searchWord="%s-%s" % (RUN, tag), limit=2)
            seen += [x["queueName"] for x in lst]
            check(len(lst) == 2 and nxt == 2, "page1 len=%s next=%r" % (len(lst), nxt))
            total, lst, nxt = acct.list_queue(searchWord="%s-%s" % (RUN, tag), limit=2, offset=nxt)
            seen += [x["queueName"] for x in lst]
            check(len(lst) == 1 and nxt == "", "page2 len=%s next=%r" % (len(lst), nxt))
            check(len(set(seen)) == 3, "pages overlap: %s" % seen)
            return "pages %s" % seen
        step(G, "Account.list_queue(searchWord, limit, offset) paging", list_paged)

    def get_attrs():
        m = q.get_attributes()
        check(m.visibilityTimeout == 3 and m.msgRetentionSeconds == 3600 and m.rewindSeconds == 3600
              and m.maxMsgSize == 65536 and m.pollingWaitSeconds == 0,
              "attrs %s" % str(m).replace("\n", "; "))
        return "vis=%s ret=%s rewind=%s heap=%s created=%s" % (
            m.visibilityTimeout, m.msgRetentionSeconds, m.rewindSeconds, m.maxMsgHeapNum, m.createTime)
    step(G, "Queue.get_attributes()", get_attrs)

    def set_attrs():
        m = q.get_attributes()
        m.visibilityTimeout = 2
        m.pollingWaitSeconds = 1
        m.maxMsgSize = 32768
        m.maxMsgHeapNum = 2000000
        q.set_attributes(m)
        n = q.get_attributes()
        check(n.visibilityTimeout == 2 and n.pollingWaitSeconds == 1 and n.maxMsgSize == 32768
              and n.maxMsgHeapNum == 2000000, "after set: %s" % str(n).replace("\n", "; "))
        # put pollingWaitSeconds back to 0 so receive without a wait returns at once
        n.pollingWaitSeconds = 0
        q.set_attributes(n)
        return "vis=2 polling=1 maxMsgSize=32768 maxMsgHeapNum=2000000 read back"
    step(G, "Queue.set_attributes(QueueMeta)", set_attrs)

    def send_recv(body):
        def run():
            r = q.send_message(Message(body))
            check(r.msgId, "no msgId")
            m = q.receive_message(2)
            check(m.msgBody == body, "sent %r received %r" % (body, m.msgBody))
            check(m.dequeueCount == 1 and m.receiptHandle, "dequeueCount=%s" % m.dequeueCount)
            q.delete_message(m.receiptHandle)
            return "msgId=%s body round-trips (%d chars)" % (r.msgId, len(body))
        return run
    step(G, "Queue.send_message + receive_message (plain)", send_recv("hello from python sdk"))
    step(G, "Queue.send_message + receive_message (body starts with '@')", send_recv(SPECIAL_AT))
    step(G, "Queue.send_message + receive_message (中文 & = + %% ...)", send_recv(SPECIAL_CN))
    step(G, "Queue.send_message + receive_message ('@' + 中文 & = + %%)", send_recv(SPECIAL_MIX))

    def delete_message():
        q.send_message(Message("to delete"))
        m = q.receive_message(2)
        q.delete_message(m.receiptHandle)
        time.sleep(2.5)  # past visibilityTimeout=2: a deleted message must not come back
        return "deleted; then " + expect_code(lambda: q.receive_message(1), 7000)
    step(G, "Queue.delete_message(receiptHandle)", delete_message)

    def empty_poll():
        t0 = time.time()
        txt = expect_code(lambda: q.receive_message(3), 7000)
        dt = time.time() - t0
        check(2.5 <= dt <= 5, "long poll of 3 s returned after %.2f s" % dt)
        return "waited %.2fs, %s" % (dt, txt)
    step(G, "Queue.receive_message(pollingWaitSeconds=3) on empty queue", empty_poll)

    def poll_wakeup():
        other = new_account(sign=None)
        oq = other.get_queue(qname)
        th = threading.Timer(1.5, lambda: oq.send_message(Message("late arrival")))
        t0 = time.time()
        th.start()
        m = q.receive_message(10)
        dt = time.time() - t0
        th.join()
        q.delete_message(m.receiptHandle)
        check(m.msgBody == "late arrival", "got %r" % m.msgBody)
        check(1.2 <= dt <= 4, "returned after %.2f s" % dt)
        return "message sent at 1.5 s arrived after %.2f s of a 10 s poll" % dt
    step(G, "Queue.receive_message(pollingWaitSeconds=10) woken by a send", poll_wakeup)

    def delayed():
        q.send_message(Message("delayed 3s"), delayTime=3)
        a = q.get_attributes()
        txt = expect_code(lambda: q.receive_message(1), 7000)
        t0 = time.time()
        m = q.receive_message(6)
        dt = time.time() - t0
        q.delete_message(m.receiptHandle)
        check(m.msgBody == "delayed 3s", "got %r" % m.msgBody)
        check(a.delayMsgNum == 1, "delayMsgNum=%s right after send" % a.delayMsgNum)
        return "delayMsgNum=1; immediate receive -> %s; arrived %.2fs into a 6 s poll" % (txt.split(" message")[0], dt)
    step(G, "Queue.send_message(msg, delayTime=3)", delayed)

    def batch():
        bodies = ["batch-1", SPECIAL_AT, SPECIAL_CN, SPECIAL_MIX]
        r = q.batch_send_message([Message(b) for b in bodies])
        check(len(r) == 4 and all(x.msgId for x in r), "msgIds %s" % [x.msgId for x in r])
        msgs = q.batch_receive_message(10, 3)
        got = sorted(m.msgBody for m in msgs)
        check(got == sorted(bodies), "received %r" % got)
        q.batch_delete_message([m.receiptHandle for m in msgs])
        time.sleep(2.5)
        txt = expect_code(lambda: q.batch_receive_message(10, 1), 7000)
        return "4 sent, 4 received equal, batch-deleted; then %s" % txt.split(" message")[0]
    step(G, "Queue.batch_send_message + batch_receive_message(10, 3) + batch_delete_message", batch)

    def batch_delayed():
        q.batch_send_message([Message("bd-1"), Message("bd-2")], delayTime=2)
        txt = expect_code(lambda: q.batch_receive_message(10, 1), 7000)
        time.sleep(1.5)
        msgs = q.batch_receive_message(10, 3)
        got = sorted(m.msgBody for m in msgs)
        q.batch_delete_message([m.receiptHandle for m in msgs])
        check(got == ["bd-1", "bd-2"], "got %r" % got)
        return "hidden first (%s), then both received" % txt.split(" message")[0]
    step(G, "Queue.batch_send_message(msgs, delayTime=2)", batch_delayed)

    def batch_poll_empty():
        t0 = time.time()
        txt = expect_code(lambda: q.batch_receive_message(5, 2), 7000)
        dt = time.time() - t0
        check(1.5 <= dt <= 4, "returned after %.2f s" % dt)
        return "waited %.2fs" % dt
    step(G, "Queue.batch_receive_message(5, pollingWaitSeconds=2) on empty queue", batch_poll_empty)

    if not full:
        step(G, "Queue.delete()", lambda: q.delete() or "deleted")
        return

    def receive_default_wait():
        # receive_message() without a wait: SDK sends UserpollingWaitSeconds=30 only (socket timeout 40 s)
        t0 = time.time()
        txt = expect_code(lambda: q.receive_message(), 7000)
        return "queue pollingWaitSeconds=0 -> returned after %.2fs: %s" % (time.time() - t0, txt.split(" message")[0])
    step(G, "Queue.receive_message() (no wait argument)", receive_default_wait)

    def visibility():
        q.send_message(Message("vis"))
        m1 = q.receive_message(1)
        time.sleep(2.5)
        m2 = q.receive_message(2)
        check(m2.msgBody == "vis" and m2.dequeueCount == 2, "second receive dequeueCount=%s" % m2.dequeueCount)
        txt = expect_code(lambda: q.delete_message(m1.receiptHandle), 4430) if m1.receiptHandle != m2.receiptHandle else "same handle"
        q.delete_message(m2.receiptHandle)
        return "reappeared after visibilityTimeout with dequeueCount=2; stale handle -> %s" % txt.split(" message")[0]
    step(G, "visibility timeout (no change-visibility method in SDK)", visibility)

    def rewind():
        # queue has rewindSeconds=3600: deleted messages are kept and RewindQueue re-delivers them
        before = q.get_attributes()
        q.rewindQueue(int(time.time()) - 600)
        after = q.get_attributes()
        got = drain(q)
        check(len(got) > 0, "nothing re-delivered after rewind (rewindmsgNum before=%s)" % before.rewindmsgNum)
        return "rewindmsgNum before=%s; after rewind activeMsgNum=%s; re-received %d msgs incl. %r" % (
            before.rewindmsgNum, after.activeMsgNum, len(got), got[:2])
    step(G, "Queue.rewindQueue(startConsumeTime)", rewind)

    def qmeta_str():
        q.send_message(Message("for str"))
        m = q.receive_message(1)
        q.delete_message(m.receiptHandle)
        parts = [str(q.get_attributes()), str(m)]
        return "QueueMeta/Message __str__ ok (%d chars)" % sum(map(len, parts))
    step(G, "str(QueueMeta), str(queue.Message)", qmeta_str)

    def encoding_str():
        q.set_encoding(True)
        try:
            q.send_message(Message("base64 me"))
        finally:
            q.set_encoding(False)
        return "sent"
    step(G, "Queue.set_encoding(True) + send_message(str body)", encoding_str)

    def encoding_bytes():
        q.set_encoding(True)
        try:
            q.send_message(Message("base64 中文".encode("utf-8")))
            m = q.receive_message(2)
            q.delete_message(m.receiptHandle)
        finally:
            q.set_encoding(False)
        check(m.msgBody == "base64 中文".encode("utf-8"), "got %r" % m.msgBody)
        return "bytes body base64-encoded on send and decoded on receive: %r" % m.msgBody
    step(G, "Queue.set_encoding(True) + send/receive(bytes body)", encoding_bytes)

    step(G, "Queue.delete() x3", lambda: [acct.get_queue(n).delete() for n in [qname] + extra] and "deleted")
    step(G, "Queue.get_attributes() after delete -> 4440",
         lambda: expect_code(lambda: q.get_attributes(), 4440))


# --------------------------------------------------------------------------- topic suite
def topic_suite(tag, acct, sink_url):
    G = "topic/" + tag
    tname = "%s-%s-tags" % (RUN, tag)
    rname = "%s-%s-route" % (RUN, tag)
    t = acct.get_topic(tname)
    rt = acct.get_topic(rname)
    qA, qAll, qR = ("%s-%s-%s" % (RUN, tag, s) for s in ("qa", "qall", "qr"))
    for n in (qA, qAll, qR):
        acct.get_queue(n).create(QueueMeta())

    def create_tags():
        m = TopicMeta()
        t.create(m)
        return "filterType=%s maxMsgSize=%s" % (m.filterType, m.maxMsgSize)
    step(G, "Topic.create(TopicMeta) filterType=1 (tags)", create_tags)

    def create_route():
        m = TopicMeta()
        m.filterType = 2
        rt.create(m)
        return "filterType=2"
    step(G, "Topic.create(TopicMeta) filterType=2 (routing key)", create_route)

    def list_topics():
        total, lst, nxt = acct.list_topic()
        names = [x["topicName"] for x in lst]
        check(tname in names or total > len(lst), "%s not listed" % tname)
        return "total=%s next=%r first=%s" % (total, nxt, lst[0] if lst else None)
    step(G, "Account.list_topic()", list_topics)

    def list_topics_paged():
        total, lst, nxt = acct.list_topic(searchWord="%s-%s" % (RUN, tag), limit=1)
        seen = [x["topicName"] for x in lst]
        check(total == 2 and nxt == 1, "page1 total=%s next=%r" % (total, nxt))
        total, lst, nxt = acct.list_topic(searchWord="%s-%s" % (RUN, tag), limit=1, offset=nxt)
        seen += [x["topicName"] for x in lst]
        check(nxt == "" and sorted(seen) == sorted([tname, rname]), "page2 next=%r seen=%s" % (nxt, seen))
        return "pages %s" % seen
    step(G, "Account.list_topic(searchWord, limit, offset) paging", list_topics_paged)

    def get_topic():
        m = t.get_attributes()
        m2 = rt.get_attributes()
        check(m.filterType == 1 and m2.filterType == 2 and m.maxMsgSize == 65536,
              "filterType %s/%s maxMsgSize %s" % (m.filterType, m2.filterType, m.maxMsgSize))
        return "maxMsgSize=%s msgRetentionSeconds=%s msgCount=%s filterType=%s/%s" % (
            m.maxMsgSize, m.msgRetentionSeconds, m.msgCount, m.filterType, m2.filterType)
    step(G, "Topic.get_attributes()", get_topic)

    def set_topic():
        m = t.get_attributes()
        m.maxMsgSize = 32768
        t.set_attributes(m)
        check(t.get_attributes().maxMsgSize == 32768, "not changed")
        return "maxMsgSize=32768 read back"
    step(G, "Topic.set_attributes(TopicMeta)", set_topic)

    subA = acct.get_subscription(tname, "subA")
    subAll = acct.get_subscription(tname, "subAll")
    subHttp = acct.get_subscription(tname, "subHttp")
    subR = acct.get_subscription(rname, "subR")

    def sub_queue_tag():
        m = SubscriptionMeta()
        m.Endpoint = qA
        m.Protocal = "queue"
        m.FilterTag = ["tagA"]
        subA.create(m)
        return "queue %s filterTag tagA (NotifyContentFormat=%s)" % (qA, m.NotifyContentFormat)
    step(G, "Subscription.create(queue protocol, FilterTag)", sub_queue_tag)

    def sub_queue_all():
        m = SubscriptionMeta()
        m.Endpoint = qAll
        m.Protocal = "queue"
        m.NotifyContentFormat = "SIMPLIFIED"
        subAll.create(m)
        return "queue %s, no filter" % qAll
    step(G, "Subscription.create(queue protocol, no filter)", sub_queue_all)

    def sub_http():
        m = SubscriptionMeta()
        m.Endpoint = sink_url + "/push/" + tag
        m.Protocal = "http"
        m.FilterTag = ["tagA"]
        subHttp.create(m)
        return "http %s filterTag tagA" % m.Endpoint
    step(G, "Subscription.create(http protocol, FilterTag)", sub_http)

    def sub_route():
        m = SubscriptionMeta()
        m.Endpoint = qR
        m.Protocal = "queue"
        m.bindingKey = ["order.*", "audit.#"]
        subR.create(m)
        return "queue %s bindingKey order.*, audit.#" % qR
    step(G, "Subscription.create(queue protocol, bindingKey)", sub_route)

    def list_subs():
        total, lst, nxt = t.list_subscription()
        names = sorted(x["subscriptionName"] for x in lst)
        check(names == ["subA", "subAll", "subHttp"], "got %s" % names)
        return "total=%s next=%r first=%s" % (total, nxt, lst[0])
    step(G, "Topic.list_subscription()", list_subs)

    def list_subs_paged():
        total, lst, nxt = t.list_subscription(searchWord="sub", limit=2)
        seen = [x["subscriptionName"] for x in lst]
        check(total == 3 and nxt == 2, "page1 total=%s next=%r" % (total, nxt))
        total, lst, nxt = t.list_subscription(searchWord="sub", limit=2, offset=nxt)
        seen += [x["subscriptionName"] for x in lst]
        check(nxt == "" and len(set(seen)) == 3, "page2 next=%r seen=%s" % (nxt, seen))
        return "pages %s" % seen
    step(G, "Topic.list_subscription(searchWord, limit, offset) paging", list_subs_paged)

    def get_sub():
        m = subA.get_attributes()
        mh = subHttp.get_attributes()
        mr = subR.get_attributes()
        check(m.FilterTag == ["tagA"], "FilterTag %r" % m.FilterTag)
        check(mr.bindingKey == ["order.*", "audit.#"], "bindingKey %r" % mr.bindingKey)
        check(m.Protocal == "queue" and mh.Protocal == "http", "Protocal %r/%r" % (m.Protocal, mh.Protocal))
        return ("subA: Protocal=%s FilterTag=%s NotifyStrategy=%s NotifyContentFormat=%s TopicOwner=%s; "
                "subHttp NotifyContentFormat=%s; subR bindingKey=%s; (SDK maps 'endpoint' into .maxMsgHeapNum=%r, "
                ".Endpoint stays %r)") % (m.Protocal, m.FilterTag, m.NotifyStrategy, m.NotifyContentFormat,
                                          m.TopicOwner, mh.NotifyContentFormat, mr.bindingKey,
                                          getattr(m, "maxMsgHeapNum", None), m.Endpoint)
    step(G, "Subscription.get_attributes()", get_sub)

    def set_sub():
        m = subHttp.get_attributes()   # get -> set round trip, as the SDK sample does
        m.NotifyStrategy = "BACKOFF_RETRY"
        m.FilterTag = ["tagA", "tagC"]
        subHttp.set_attributes(m)
        n = subHttp.get_attributes()
        check(n.NotifyStrategy == "BACKOFF_RETRY" and n.FilterTag == ["tagA", "tagC"],
              "after set: strategy=%s tags=%s" % (n.NotifyStrategy, n.FilterTag))
        m = subR.get_attributes()
        m.bindingKey = ["order.*"]
        subR.set_attributes(m)
        n = subR.get_attributes()
        check(n.bindingKey == ["order.*"], "bindingKey after set %r" % n.bindingKey)
        return "http sub: BACKOFF_RETRY, tags [tagA, tagC]; route sub bindingKey [order.*]; read back"
    step(G, "Subscription.set_attributes(SubscriptionMeta)", set_sub)

    QA, QALL, QR = acct.get_queue(qA), acct.get_queue(qAll), acct.get_queue(qR)

    def publish_tags():
        del PUSHES[:]
        r1 = t.publish_message(TopicMessage(SPECIAL_CN, ["tagA"]))
        r2 = t.publish_message(TopicMessage(SPECIAL_AT, ["tagB"]))
        r3 = t.publish_message(TopicMessage("no tags"))
        check(r1.msgId and r2.msgId and r3.msgId, "msgIds")
        a, al = drain(QA), drain(QALL)
        check(a == [SPECIAL_CN], "tag queue got %r" % a)
        check(sorted(al) == sorted([SPECIAL_CN, SPECIAL_AT, "no tags"]), "all queue got %r" % al)
        pushes = wait_pushes(lambda p: p["path"] == "/push/" + tag)
        check(len(pushes) >= 1, "no HTTP push received")
        time.sleep(1)
        pushes = [p for p in PUSHES if p["path"] == "/push/" + tag]
        bodies = [json.loads(p["body"]).get("msgBody") for p in pushes]
        check(bodies == [SPECIAL_CN], "http push bodies %r" % bodies)
        return ("tagA msg -> subA queue + http push; tagB and untagged only -> subAll; push headers %s; push body %s"
                % ({k: v for k, v in pushes[0]["headers"].items() if k.lower().startswith("x-")},
                   pushes[0]["body"][:300]))
    step(G, "Topic.publish_message(msg with msgTag) + delivery (queue & http)", publish_tags)

    def batch_publish_tags():
        del PUSHES[:]
        bodies = ["bp-1", SPECIAL_AT, SPECIAL_MIX]
        r = t.batch_publish_message([TopicMessage(b) for b in bodies], msgtag=["tagC"])
        check(len(r) == 3, "msgIds %s" % [x.msgId for x in r])
        a, al = drain(QA), drain(QALL)
        check(a == [], "subA (tagA) got %r" % a)
        check(sorted(al) == sorted(bodies), "subAll got %r" % al)
        pushes = wait_pushes(lambda p: p["path"] == "/push/" + tag)
        time.sleep(1)
        got = sorted(json.loads(p["body"]).get("msgBody") for p in PUSHES if p["path"] == "/push/" + tag)
        check(got == sorted(bodies), "http sub (tags tagA,tagC) got %r" % got)
        return "3 msgs tagged tagC -> subAll queue and http sub (tags tagA,tagC), not subA"
    step(G, "Topic.batch_publish_message(msgs, msgtag)", batch_publish_tags)

    def clear_tags():
        subA.clearFilterTags()
        m = subA.get_attributes()
        check(m.FilterTag == [], "FilterTag after clear %r" % m.FilterTag)
        t.publish_message(TopicMessage("after clear", ["tagZ"]))
        a = drain(QA)
        drain(QALL)
        check(a == ["after clear"], "subA got %r" % a)
        return "FilterTag [] and subA now receives tagZ"
    step(G, "Subscription.clearFilterTags()", clear_tags)

    def publish_route():
        rt.publish_message(TopicMessage("created"), routingKey="order.created")
        rt.publish_message(TopicMessage(SPECIAL_MIX), routingKey="order.paid")
        got = drain(QR)
        check(sorted(got) == sorted(["created", SPECIAL_MIX]), "bindingKey order.* got %r" % got)
        return "routingKey order.created / order.paid delivered to bindingKey order.*"
    step(G, "Topic.publish_message(msg, routingKey)", publish_route)

    def publish_route_nomatch():
        # OpenCMQ (docs/topics.md, like CMQ) answers 6030/10730 when no subscription matches
        txt = expect_code(lambda: rt.publish_message(TopicMessage("other"), routingKey="user.created"), 6030)
        check(drain(QR) == [], "something was delivered")
        return txt
    step(G, "Topic.publish_message(msg, routingKey matching nothing) -> 6030", publish_route_nomatch)

    def batch_publish_route():
        rt.batch_publish_message([TopicMessage("r1"), TopicMessage("r2")], routingKey="order.x")
        got = drain(QR)
        check(sorted(got) == ["r1", "r2"], "got %r" % got)
        return "routingKey order.x delivered to bindingKey order.*"
    step(G, "Topic.batch_publish_message(msgs, routingKey)", batch_publish_route)

    def batch_publish_route_nomatch():
        txt = expect_code(lambda: rt.batch_publish_message([TopicMessage("r3")], routingKey="nomatch"), 6030)
        check(drain(QR) == [], "something was delivered")
        return txt
    step(G, "Topic.batch_publish_message(msgs, routingKey matching nothing) -> 6030", batch_publish_route_nomatch)

    def meta_str():
        parts = [str(t.get_attributes()), str(subA.get_attributes()), str(subR.get_attributes()),
                 str(TopicMessage("x", ["t"]))]
        return "TopicMeta/SubscriptionMeta/Message __str__ ok (%d chars)" % sum(map(len, parts))
    step(G, "str(TopicMeta), str(SubscriptionMeta), str(topic.Message)", meta_str)

    step(G, "Topic.delete() with subscriptions -> error",
         lambda: expect_code(lambda: t.delete(), 4000))

    def delete_subs():
        for s in (subA, subAll, subHttp, subR):
            s.delete()
        total, lst, nxt = t.list_subscription()
        check(total == 0, "still %s" % lst)
        return "4 deleted, list empty"
    step(G, "Subscription.delete()", delete_subs)

    step(G, "Subscription.get_attributes() after delete",
         lambda: "raised: " + _raises(lambda: subA.get_attributes()))

    def delete_topics():
        t.delete()
        rt.delete()
        for n in (qA, qAll, qR):
            acct.get_queue(n).delete()
        return "deleted"
    step(G, "Topic.delete()", delete_topics)
    step(G, "Topic.get_attributes() after delete",
         lambda: "raised: " + _raises(lambda: t.get_attributes()))


def _raises(fn):
    try:
        fn()
    except CMQServerException as e:
        return "CMQServerException code=%s message=%r" % (e.code, e.message)
    raise CheckFailed("call succeeded")


# --------------------------------------------------------------------------- misc
def misc_suite():
    G = "misc"

    def wrong_key():
        bad = Account(ENDPOINT, SECRET_ID, "wrong-secret")
        try:
            bad.list_queue()
        except CMQServerException as e:
            return "CMQServerException code=%s message=%r" % (e.code, e.message)
        raise CheckFailed("accepted a wrong secret key")
    step(G, "Account(..., wrong secretKey).list_queue() -> auth error", wrong_key)

    def set_client():
        a = Account("http://127.0.0.1:1", SECRET_ID, SECRET_KEY)
        a.set_client(ENDPOINT)
        total, lst, nxt = a.list_queue()
        return "re-pointed client works, total=%s" % total
    step(G, "Account.set_client(host) / get_client()", set_client)

    def debug_and_log():
        a = Account(ENDPOINT, SECRET_ID, SECRET_KEY, debug=True)
        a.set_debug(True)
        a.debuginfo("req-1")
        q = a.get_queue("%s-dbg" % RUN)
        q.set_debug(True)
        q.create(QueueMeta())
        a.close_log()
        q.delete()
        return "set_debug/debuginfo/close_log ok"
    step(G, "Account.set_debug/debuginfo/close_log", debug_and_log)

    def no_keepalive():
        a = new_account()
        c = a.get_client()
        c.set_keep_alive(False)
        c.set_connection_timeout(5)
        a.list_queue()
        a.list_queue()
        c.close_connection()
        a.list_queue()
        return "3 requests without keep-alive + close_connection ok"
    step(G, "CMQClient.set_keep_alive(False)/set_connection_timeout/close_connection", no_keepalive)

    def bad_sign_method():
        a = new_account()
        try:
            a.set_sign("md5")
        except CMQExceptionBase as e:
            return "client-side %s" % type(e).__name__
        raise CheckFailed("accepted md5")
    step(G, "Account.set_sign('md5') rejected client-side", bad_sign_method)

    def idle(method, secs):
        def run():
            a = new_account(method=method)
            qn = "%s-idle-%s" % (RUN, method.lower())
            a.get_queue(qn).create(QueueMeta())
            time.sleep(secs)   # past the server's former fixed 30 s keep-alive timeout (now keepAliveTimeoutMs)
            try:
                q = a.get_queue(qn)
                q.send_message(Message("after idle"))
                m = q.receive_message(1)
                q.delete_message(m.receiptHandle)
            finally:
                new_account().get_queue(qn).delete()
            return "request on the kept-alive connection after %d s idle ok" % secs
        return run
    step(G, "keep-alive connection reused after 25 s idle (POST)", idle("POST", 25))
    step(G, "keep-alive connection reused after 32 s idle (POST)", idle("POST", 32))

    def next_call_after_failure():
        a = new_account()
        a.list_queue()
        time.sleep(32)
        first = "first call ok"
        try:
            a.list_queue()
        except CMQExceptionBase as e:
            first = "first call raised %s: %s" % (type(e).__name__, e.message)
        a.list_queue()
        return first + "; the next call on the same Account succeeded"
    step(G, "call after the failed post-idle call (POST)", next_call_after_failure)
    step(G, "keep-alive connection reused after 32 s idle (GET)", idle("GET", 32))


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    os.chdir(OUT_DIR)  # anything the SDK might write relative to the cwd lands there too
    print("endpoint %s run %s sdk %s out %s" % (ENDPOINT, RUN, SDK_DIR, OUT_DIR))
    sink = start_push_sink()
    sink_url = "http://127.0.0.1:%d" % sink.server_address[1]
    queue_suite("sha1", new_account())                                  # default: HmacSHA1, POST
    queue_suite("sha256", new_account(sign="sha256"))
    queue_suite("get", new_account(method="GET"), full=False)          # GET, HmacSHA1
    queue_suite("get256", new_account(sign="sha256", method="GET"), full=False)
    topic_suite("sha1", new_account(), sink_url)
    topic_suite("sha256", new_account(sign="sha256"), sink_url)
    misc_suite()
    sink.shutdown()
    ok = sum(r["status"] == "OK" for r in RESULTS)
    results_file = os.path.join(OUT_DIR, "compat_results.json")
    with open(results_file, "w") as f:
        json.dump(RESULTS, f, ensure_ascii=False, indent=1)
    print("\nresults: %s" % results_file)
    print("%d passed, %d failed" % (ok, len(RESULTS) - ok))
    if ok != len(RESULTS):
        sys.exit(1)


if __name__ == "__main__":
    main()
