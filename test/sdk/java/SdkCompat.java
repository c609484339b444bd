import com.qcloud.cmq.*;
import com.qcloud.cmq.Queue;
import com.qcloud.cmq.entity.CmqConfig;
import com.qcloud.cmq.entity.CmqResponse;
import com.sun.net.httpserver.HttpServer;

import java.io.*;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;

/**
 * Drives every public method of the Tencent CMQ Java SDK's Account, Queue, Topic and Subscription
 * against an OpenCMQ server. Usage:
 *   java SdkCompat <endpoint> <secretId> <secretKey> <POST|GET> <sha1|sha256> <outDir>
 * Prints one line per step: RESULT|<variant>|<step>|OK/FAIL|<detail>. Wire log (params sent after
 * signing, raw response) goes to <outDir>/<variant>-wire.log. Last line: SUMMARY|<variant>|N OK, M FAIL;
 * the exit status is 1 when a step failed. Normally started by run.sh (see test/sdk/README.md).
 */
public class SdkCompat {
    static String variant;
    static PrintWriter wire;
    static final List<String[]> results = new ArrayList<>();
    // last exchange, recorded by the interceptor
    static volatile String lastAction = "", lastParams = "", lastResponse = "";

    static class WireLog implements CMQClientInterceptor {
        public String intercept(String action, Map<String, String> param, Chain chain) throws Exception {
            String rsp = null;
            Throwable err = null;
            try {
                rsp = chain.call(action, param);
                return rsp;
            } catch (Throwable t) {
                err = t;
                throw t;
            } finally {
                // CMQClient.call adds Action/Nonce/SecretId/Timestamp/Signature... to the same map
                StringBuilder sb = new StringBuilder();
                for (Map.Entry<String, String> e : param.entrySet()) {
                    if (sb.length() > 0) sb.append('&');
                    sb.append(e.getKey()).append('=').append(java.net.URLEncoder.encode(e.getValue(), "utf-8"));
                }
                lastAction = action;
                lastParams = sb.toString();
                lastResponse = rsp != null ? rsp : ("<exception " + err + ">");
                synchronized (wire) {
                    wire.println(">>> " + action + " " + lastParams);
                    wire.println("<<< " + lastResponse);
                    wire.flush();
                }
            }
        }
    }

    interface Step { String run() throws Exception; }

    static void step(String name, Step s) {
        lastAction = ""; lastParams = ""; lastResponse = "";
        String status, detail;
        try {
            String d = s.run();
            status = "OK";
            detail = d == null ? "" : d;
        } catch (Throwable t) {
            status = "FAIL";
            detail = t.getClass().getName() + ": " + t + " || action=" + lastAction
                    + " || request=" + lastParams + " || response=" + lastResponse;
        }
        results.add(new String[]{name, status, detail});
        System.out.println("RESULT|" + variant + "|" + name + "|" + status + "|" + detail.replace('\n', ' '));
        System.out.flush();
    }

    static void check(boolean cond, String what) {
        if (!cond) throw new AssertionError("check failed: " + what);
    }

    static int serverCode(Throwable t) {
        // CMQServerException has no public getter in this SDK version; parse toString "code:N, message:..."
        String s = t.toString();
        if (s.startsWith("code:")) {
            return Integer.parseInt(s.substring(5, s.indexOf(',')));
        }
        return Integer.MIN_VALUE;
    }

    // message bodies that exercise encoding
    static final String B_AT = "@starts-with-at sign";
    static final String B_CN = "中文消息：你好，世界";
    static final String B_SPECIAL = "a&b=c+d%20e%zz %% + = & ?x=1&y=2 #frag";
    static final String B_MIX = "@中文&=+% mixed \"quotes\" 'single' \\backslash\\ tab\tend";

    public static void main(String[] args) throws Exception {
        String endpoint = args[0], sid = args[1], skey = args[2], method = args[3], sign = args[4];
        File outDir = new File(args[5]);
        outDir.mkdirs();
        variant = method + "-" + sign;
        wire = new PrintWriter(new OutputStreamWriter(new FileOutputStream(new File(outDir, variant + "-wire.log")), StandardCharsets.UTF_8));

        CmqConfig cfg = new CmqConfig();
        cfg.setEndpoint(endpoint);
        cfg.setSecretId(sid);
        cfg.setSecretKey(skey);
        cfg.setMethod(method);
        cfg.setSignMethod(sign);
        cfg.setAlwaysPrintResultLog(false);
        Account acc = new Account(cfg, Arrays.<CMQClientInterceptor>asList(new WireLog()));

        String tag = (method + sign).toLowerCase() + Long.toString(System.currentTimeMillis() % 100000000L, 36);
        String q1 = "jq1" + tag, qDelay = "jqd" + tag, qPoll = "jqp" + tag, qRewind = "jqr" + tag;
        String qTag = "jqt" + tag, qRoute = "jqk" + tag, qRoute2 = "jqk2" + tag, qPlain = "jqn" + tag;
        String tTag = "jtt" + tag, tRoute = "jtk" + tag;

        // ---------- Account constructors ----------
        step("Account(endpoint,secretId,secretKey) + listQueue", () -> {
            Account a = new Account(endpoint, sid, skey);
            List<String> l = new ArrayList<>();
            int n = a.listQueue("", 0, 10, l);
            return "totalCount=" + n;
        });
        step("Account(secretId,secretKey,endpoint,path,method) + listTopic", () -> {
            Account a = new Account(sid, skey, endpoint, "/v2/index.php", method);
            List<String> l = new ArrayList<>();
            int n = a.listTopic("", l, 0, 10);
            return "totalCount=" + n;
        });
        step("Account(CmqConfig) + listQueue", () -> {
            Account a = new Account(cfg);
            List<String> l = new ArrayList<>();
            return "totalCount=" + a.listQueue("", 0, 10, l);
        });
        step("wrong secretKey is refused (CMQServerException)", () -> {
            CmqConfig bad = new CmqConfig(endpoint, sid, skey + "x");
            bad.setSignMethod(sign);
            bad.setMethod(method);
            try {
                new Account(bad).listQueue("", 0, 10, new ArrayList<>());
            } catch (CMQServerException e) {
                return "refused: " + e;
            }
            throw new AssertionError("request with wrong key was accepted");
        });

        // ---------- Queues ----------
        step("Account.createQueue", () -> {
            QueueMeta m = new QueueMeta();
            m.pollingWaitSeconds = 1;
            m.visibilityTimeout = 30;
            m.maxMsgSize = 65536;
            m.msgRetentionSeconds = 3600;
            acc.createQueue(q1, m);
            for (String q : new String[]{qDelay, qPoll, qTag, qRoute, qRoute2, qPlain}) acc.createQueue(q, new QueueMeta());
            QueueMeta r = new QueueMeta();
            r.rewindSeconds = 3600;
            r.msgRetentionSeconds = 3600;
            acc.createQueue(qRewind, r);
            return "created 8 queues";
        });
        step("Account.createQueue duplicate -> server error", () -> {
            try { acc.createQueue(q1, new QueueMeta()); } catch (CMQServerException e) { return "" + e; }
            throw new AssertionError("duplicate accepted");
        });
        step("Account.listQueue(searchWord,offset,limit)", () -> {
            List<String> l = new ArrayList<>();
            int n = acc.listQueue(tag, 0, 20, l);
            check(l.contains(q1) && l.contains(qRewind), "created queues listed: " + l);
            List<String> page = new ArrayList<>();
            int n2 = acc.listQueue(tag, 1, 2, page);
            check(page.size() == 2 && n2 == n, "paging offset=1 limit=2 gives 2 of " + n + ": " + page);
            return "totalCount=" + n + " page=" + page;
        });
        Queue queue = acc.getQueue(q1);
        step("Account.getQueue + Queue.getQueueAttributes", () -> {
            QueueMeta m = queue.getQueueAttributes();
            check(m.pollingWaitSeconds == 1 && m.visibilityTimeout == 30 && m.msgRetentionSeconds == 3600 && m.maxMsgSize == 65536,
                    "attributes as created");
            return "pollingWaitSeconds=" + m.pollingWaitSeconds + " visibilityTimeout=" + m.visibilityTimeout + " maxMsgSize=" + m.maxMsgSize
                    + " msgRetentionSeconds=" + m.msgRetentionSeconds + " maxMsgHeapNum=" + m.maxMsgHeapNum + " createTime=" + m.createTime
                    + " activeMsgNum=" + m.activeMsgNum + " rewindSeconds=" + m.rewindSeconds;
        });
        step("Queue.setQueueAttributes", () -> {
            QueueMeta m = new QueueMeta();
            m.pollingWaitSeconds = 2;
            m.visibilityTimeout = 20;
            m.maxMsgSize = 131072;
            m.msgRetentionSeconds = 7200;
            m.maxMsgHeapNum = 2000000;
            m.rewindSeconds = 600;
            queue.setQueueAttributes(m);
            QueueMeta g = queue.getQueueAttributes();
            check(g.pollingWaitSeconds == 2 && g.visibilityTimeout == 20 && g.maxMsgSize == 131072 && g.msgRetentionSeconds == 7200
                    && g.maxMsgHeapNum == 2000000 && g.rewindSeconds == 600, "attributes read back: pws=" + g.pollingWaitSeconds
                    + " vt=" + g.visibilityTimeout + " mms=" + g.maxMsgSize + " ret=" + g.msgRetentionSeconds + " heap=" + g.maxMsgHeapNum + " rw=" + g.rewindSeconds);
            // put polling back to 0 for the send/receive steps
            QueueMeta z = new QueueMeta();
            z.visibilityTimeout = 30;
            queue.setQueueAttributes(z);
            return "set and read back";
        });
        step("Queue.getQueueAttributes on missing queue -> server error", () -> {
            try { acc.getQueue("nosuch" + tag).getQueueAttributes(); } catch (CMQServerException e) { return "" + e; }
            throw new AssertionError("no error");
        });

        // send / receive round trips with every body; receiveMessage(int) is the deprecated per-call wait
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("'@' body", B_AT);
        bodies.put("Chinese body", B_CN);
        bodies.put("& = + % body", B_SPECIAL);
        bodies.put("mixed body", B_MIX);
        for (Map.Entry<String, String> e : bodies.entrySet()) {
            step("Queue.sendMessage(body) + receiveMessage(0) + deleteMessage: " + e.getKey(), () -> {
                String id = queue.sendMessage(e.getValue());
                Message m = queue.receiveMessage(0);
                check(e.getValue().equals(m.msgBody), "body round trip: sent [" + e.getValue() + "] got [" + m.msgBody + "]");
                check(id.equals(m.msgId), "msgId matches: " + id + " vs " + m.msgId);
                queue.deleteMessage(m.receiptHandle);
                return "msgId=" + id + " dequeueCount=" + m.dequeueCount + " enqueueTime=" + m.enqueueTime;
            });
        }
        step("Queue.send(body) + receiveMessage() + deleteMessage -> CmqResponse", () -> {
            CmqResponse r = queue.send(B_MIX);
            Message m = queue.receiveMessage();
            check(B_MIX.equals(m.msgBody), "body round trip got [" + m.msgBody + "]");
            check(r.getMsgId().equals(m.msgId), "msgId");
            CmqResponse d = queue.deleteMessage(m.receiptHandle);
            return "send code=" + r.getCode() + " msgId=" + r.getMsgId() + " requestId=" + r.getRequestId() + " receive requestId=" + m.requestId
                    + " delete requestId=" + d.getRequestId();
        });
        step("Queue.deleteMessage with stale handle -> server error", () -> {
            queue.sendMessage("stale");
            Message m = queue.receiveMessage(0);
            queue.deleteMessage(m.receiptHandle);
            try { queue.deleteMessage(m.receiptHandle); } catch (CMQServerException e) { return "" + e; }
            throw new AssertionError("second delete accepted");
        });
        step("Queue.batchSendMessage(list) + batchReceiveMessage(n,0) + batchDeleteMessage", () -> {
            List<String> sent = new ArrayList<>(bodies.values());
            List<String> ids = queue.batchSendMessage(sent);
            check(ids.size() == sent.size(), "ids " + ids.size());
            List<Message> got = queue.batchReceiveMessage(16, 0);
            Set<String> gotBodies = new HashSet<>();
            List<String> handles = new ArrayList<>();
            for (Message m : got) { gotBodies.add(m.msgBody); handles.add(m.receiptHandle); }
            check(gotBodies.equals(new HashSet<>(sent)), "bodies round trip: " + gotBodies);
            queue.batchDeleteMessage(handles);
            return ids.size() + " sent, " + got.size() + " received and deleted";
        });
        step("Queue.batchSend(list) + batchReceiveMessage(n) + batchDeleteMessage -> CmqResponse", () -> {
            List<String> sent = Arrays.asList(B_AT, B_CN, B_SPECIAL);
            List<CmqResponse> rs = queue.batchSend(sent);
            List<Message> got = queue.batchReceiveMessage(16);
            Set<String> gotBodies = new HashSet<>();
            List<String> handles = new ArrayList<>();
            for (Message m : got) { gotBodies.add(m.msgBody); handles.add(m.receiptHandle); }
            check(gotBodies.equals(new HashSet<>(sent)), "bodies round trip: " + gotBodies);
            queue.batchDeleteMessage(handles);
            return rs.size() + " sent (requestId=" + rs.get(0).getRequestId() + "), " + got.size() + " received (requestId=" + got.get(0).requestId + ")";
        });
        step("Queue.batchDeleteMessage with one stale handle -> server error", () -> {
            queue.sendMessage("x1");
            Message m = queue.receiveMessage(0);
            queue.deleteMessage(m.receiptHandle);
            queue.sendMessage("x2");
            Message m2 = queue.receiveMessage(0);
            try { queue.batchDeleteMessage(Arrays.asList(m.receiptHandle, m2.receiptHandle)); } catch (CMQServerException e) {
                return "" + e;
            }
            throw new AssertionError("accepted");
        });
        step("empty receive -> code 7000", () -> {
            try { acc.getQueue(qPlain).receiveMessage(0); } catch (CMQServerException e) {
                check(serverCode(e) == 7000, "code 7000, got " + e);
                return "" + e;
            }
            throw new AssertionError("got a message from an empty queue");
        });

        // ---------- delays ----------
        Queue dq = acc.getQueue(qDelay);
        step("Queue.sendMessage(body,delay=2) delayed", () -> {
            dq.sendMessage(B_CN, 2);
            long t0 = System.currentTimeMillis();
            try { dq.receiveMessage(0); throw new AssertionError("delayed message visible at once"); } catch (CMQServerException e) {
                check(serverCode(e) == 7000, "empty first: " + e);
            }
            Message m = dq.receiveMessage(5);
            long dt = System.currentTimeMillis() - t0;
            check(B_CN.equals(m.msgBody), "body");
            check(dt >= 1500, "arrived after " + dt + " ms");
            dq.deleteMessage(m.receiptHandle);
            return "received after " + dt + " ms";
        });
        step("Queue.send(body,delay=2) delayed", () -> {
            dq.send(B_AT, 2);
            long t0 = System.currentTimeMillis();
            QueueMeta meta = dq.getQueueAttributes();
            Message m = dq.receiveMessage(5);
            long dt = System.currentTimeMillis() - t0;
            check(dt >= 1500 && B_AT.equals(m.msgBody), "after " + dt + " ms body [" + m.msgBody + "]");
            dq.deleteMessage(m.receiptHandle);
            return "delayMsgNum right after send=" + meta.delayMsgNum + ", received after " + dt + " ms";
        });
        step("Queue.batchSendMessage(list,delay=2) delayed", () -> {
            dq.batchSendMessage(Arrays.asList(B_SPECIAL, B_MIX), 2);
            long t0 = System.currentTimeMillis();
            List<Message> got = new ArrayList<>();
            while (got.size() < 2 && System.currentTimeMillis() - t0 < 8000) {
                try { got.addAll(dq.batchReceiveMessage(16, 3)); } catch (CMQServerException e) { if (serverCode(e) != 7000) throw e; }
            }
            long dt = System.currentTimeMillis() - t0;
            check(got.size() == 2 && dt >= 1500, got.size() + " after " + dt + " ms");
            List<String> h = new ArrayList<>();
            for (Message m : got) h.add(m.receiptHandle);
            dq.batchDeleteMessage(h);
            return "2 received after " + dt + " ms";
        });
        step("Queue.batchSend(list,delay=2) delayed", () -> {
            dq.batchSend(Arrays.asList(B_AT, B_CN), 2);
            long t0 = System.currentTimeMillis();
            List<Message> got = new ArrayList<>();
            while (got.size() < 2 && System.currentTimeMillis() - t0 < 8000) {
                try { got.addAll(dq.batchReceiveMessage(16, 3)); } catch (CMQServerException e) { if (serverCode(e) != 7000) throw e; }
            }
            long dt = System.currentTimeMillis() - t0;
            check(got.size() == 2 && dt >= 1500, got.size() + " after " + dt + " ms");
            List<String> h = new ArrayList<>();
            for (Message m : got) h.add(m.receiptHandle);
            dq.batchDeleteMessage(h);
            return "2 received after " + dt + " ms";
        });

        // ---------- long polling ----------
        Queue pq = acc.getQueue(qPoll);
        step("long poll receiveMessage(3) on empty queue waits ~3 s", () -> {
            long t0 = System.currentTimeMillis();
            try { pq.receiveMessage(3); throw new AssertionError("got a message"); } catch (CMQServerException e) {
                long dt = System.currentTimeMillis() - t0;
                check(serverCode(e) == 7000 && dt >= 2500 && dt < 6000, "7000 after ~3s: " + e + " " + dt + "ms");
                return "7000 after " + dt + " ms";
            }
        });
        step("long poll receiveMessage() uses queue pollingWaitSeconds=3", () -> {
            QueueMeta m = new QueueMeta();
            m.pollingWaitSeconds = 3;
            pq.setQueueAttributes(m);
            long t0 = System.currentTimeMillis();
            try { pq.receiveMessage(); throw new AssertionError("got a message"); } catch (CMQServerException e) {
                long dt = System.currentTimeMillis() - t0;
                check(serverCode(e) == 7000 && dt >= 2500 && dt < 6000, "7000 after ~3s: " + e + " " + dt + "ms");
                return "7000 after " + dt + " ms";
            }
        });
        step("long poll batchReceiveMessage(n) wakes when a message is sent", () -> {
            ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor();
            ex.schedule(() -> { try { pq.sendMessage(B_MIX); } catch (Exception ignored) { } }, 1000, TimeUnit.MILLISECONDS);
            long t0 = System.currentTimeMillis();
            List<Message> got = pq.batchReceiveMessage(4);
            long dt = System.currentTimeMillis() - t0;
            ex.shutdown();
            check(got.size() == 1 && B_MIX.equals(got.get(0).msgBody) && dt < 2900, got.size() + " after " + dt + " ms");
            pq.deleteMessage(got.get(0).receiptHandle);
            return "woke after " + dt + " ms";
        });
        step("long poll batchReceiveMessage(n,5) wakes when a message is sent", () -> {
            ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor();
            ex.schedule(() -> { try { pq.sendMessage(B_CN); } catch (Exception ignored) { } }, 1000, TimeUnit.MILLISECONDS);
            long t0 = System.currentTimeMillis();
            List<Message> got = pq.batchReceiveMessage(4, 5);
            long dt = System.currentTimeMillis() - t0;
            ex.shutdown();
            check(got.size() == 1 && B_CN.equals(got.get(0).msgBody) && dt < 4000, got.size() + " after " + dt + " ms");
            pq.deleteMessage(got.get(0).receiptHandle);
            return "woke after " + dt + " ms";
        });

        // ---------- rewind ----------
        Queue rq = acc.getQueue(qRewind);
        step("Queue.rewindQueue", () -> {
            int start = (int) (System.currentTimeMillis() / 1000) - 2;
            rq.sendMessage(B_SPECIAL);
            Message m = rq.receiveMessage(0);
            rq.deleteMessage(m.receiptHandle);
            try { rq.receiveMessage(0); throw new AssertionError("queue not empty after delete"); } catch (CMQServerException e) {
                check(serverCode(e) == 7000, "" + e);
            }
            rq.rewindQueue(start);
            Message again = rq.receiveMessage(0);
            check(B_SPECIAL.equals(again.msgBody), "rewound body [" + again.msgBody + "]");
            rq.deleteMessage(again.receiptHandle);
            QueueMeta meta = rq.getQueueAttributes();
            return "deleted message receivable again after rewind; rewindmsgNum=" + meta.rewindmsgNum + " minMsgTime=" + meta.minMsgTime;
        });

        // ---------- Topics ----------
        step("Account.createTopic(name,maxMsgSize) [tag topic]", () -> { acc.createTopic(tTag, 65536); return ""; });
        step("Account.createTopic(name,maxMsgSize,filterType=2) [routing topic]", () -> { acc.createTopic(tRoute, 65536, 2); return ""; });
        step("Account.listTopic(searchWord,list,offset,limit)", () -> {
            List<String> l = new ArrayList<>();
            int n = acc.listTopic(tag, l, 0, 10);
            check(l.contains(tTag) && l.contains(tRoute), "listed: " + l);
            List<String> page = new ArrayList<>();
            acc.listTopic(tag, page, 1, 1);
            check(page.size() == 1, "paging: " + page);
            return "totalCount=" + n + " " + l;
        });
        Topic topic = acc.getTopic(tTag);
        Topic rtopic = acc.getTopic(tRoute);
        step("Account.getTopic + Topic.getTopicAttributes", () -> {
            TopicMeta m = topic.getTopicAttributes();
            TopicMeta r = rtopic.getTopicAttributes();
            check(m.maxMsgSize == 65536 && m.filterType == 1 && r.filterType == 2, "maxMsgSize=" + m.maxMsgSize + " filterType=" + m.filterType + "/" + r.filterType);
            return "maxMsgSize=" + m.maxMsgSize + " msgRetentionSeconds=" + m.msgRetentionSeconds + " filterType=" + m.filterType + " routing filterType=" + r.filterType
                    + " createTime=" + m.createTime + " msgCount=" + m.msgCount;
        });
        step("Topic.setTopicAttributes", () -> {
            topic.setTopicAttributes(32768);
            TopicMeta m = topic.getTopicAttributes();
            check(m.maxMsgSize == 32768, "maxMsgSize read back " + m.maxMsgSize);
            return "maxMsgSize=" + m.maxMsgSize;
        });

        // HTTP endpoint for push
        BlockingQueue<String> pushed = new LinkedBlockingQueue<>();
        List<String> pushHeaders = Collections.synchronizedList(new ArrayList<>());
        HttpServer hs = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hs.createContext("/push", ex -> {
            byte[] b = ex.getRequestBody().readAllBytes();
            pushHeaders.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " Content-Type=" + ex.getRequestHeaders().getFirst("Content-Type"));
            pushed.add(new String(b, StandardCharsets.UTF_8));
            byte[] ok = "ok".getBytes();
            ex.sendResponseHeaders(200, ok.length);
            ex.getResponseBody().write(ok);
            ex.close();
        });
        hs.start();
        String pushUrl = "http://127.0.0.1:" + hs.getAddress().getPort() + "/push";

        String subQ = "jsq" + tag, subH = "jsh" + tag, subR = "jsr" + tag, subR2 = "jsr2" + tag, subN = "jsn" + tag;
        step("Account.createSubscribe(full: queue protocol, filterTag, JSON)", () -> {
            acc.createSubscribe(tTag, subQ, qTag, "queue", Arrays.asList("tagA", "标签"), null, "BACKOFF_RETRY", "JSON");
            return "";
        });
        step("Account.createSubscribe(topic,sub,endpoint,protocol) [queue, no tags]", () -> {
            acc.createSubscribe(tTag, subN, qPlain, "queue");
            return "";
        });
        step("Account.createSubscribe(topic,sub,endpoint,protocol) [http]", () -> {
            acc.createSubscribe(tTag, subH, pushUrl, "http");
            return "endpoint " + pushUrl;
        });
        step("Account.createSubscribe(full: queue, bindingKey) [routing topic]", () -> {
            acc.createSubscribe(tRoute, subR, qRoute, "queue", null, Arrays.asList("order.*"), "EXPONENTIAL_DECAY_RETRY", "SIMPLIFIED");
            acc.createSubscribe(tRoute, subR2, qRoute2, "queue", null, Arrays.asList("#"), "BACKOFF_RETRY", "SIMPLIFIED");
            return "";
        });
        step("Topic.ListSubscription(offset,limit,searchWord,list)", () -> {
            List<String> l = new ArrayList<>();
            int n = topic.ListSubscription(0, 10, "", l);
            check(n == 3 && l.containsAll(Arrays.asList(subQ, subH, subN)), "n=" + n + " " + l);
            List<String> s = new ArrayList<>();
            int n2 = topic.ListSubscription(0, 10, subH, s);
            check(s.equals(Collections.singletonList(subH)), "search: " + s + " total " + n2);
            List<String> p = new ArrayList<>();
            topic.ListSubscription(1, 1, null, p);
            check(p.size() == 1, "paging " + p);
            return "totalCount=" + n + " " + l;
        });
        Subscription sq = acc.getSubscription(tTag, subQ);
        step("Account.getSubscription + Subscription.getSubscriptionAttributes", () -> {
            SubscriptionMeta m = sq.getSubscriptionAttributes();
            check(qTag.equals(m.Endpoint) && "queue".equals(m.Protocal) && "BACKOFF_RETRY".equals(m.NotifyStrategy)
                    && m.FilterTag.containsAll(Arrays.asList("tagA", "标签")), "endpoint=" + m.Endpoint + " protocol=" + m.Protocal
                    + " strategy=" + m.NotifyStrategy + " tags=" + m.FilterTag);
            SubscriptionMeta h = acc.getSubscription(tTag, subH).getSubscriptionAttributes();
            check(pushUrl.equals(h.Endpoint) && "http".equals(h.Protocal), "http sub: " + h.Endpoint + " " + h.Protocal);
            SubscriptionMeta r = acc.getSubscription(tRoute, subR).getSubscriptionAttributes();
            check(r.bindingKey != null && r.bindingKey.contains("order.*"), "bindingKey " + r.bindingKey);
            return "queue sub: endpoint=" + m.Endpoint + " protocol=" + m.Protocal + " format=" + m.NotifyContentFormat + " tags=" + m.FilterTag
                    + " | http sub format=" + h.NotifyContentFormat + " | routing sub bindingKey=" + r.bindingKey + " strategy=" + r.NotifyStrategy;
        });

        Queue tq = acc.getQueue(qTag), nq = acc.getQueue(qPlain), kq = acc.getQueue(qRoute), kq2 = acc.getQueue(qRoute2);
        step("Topic.publishMessage(msg,tags,null) routed by tag", () -> {
            String id = topic.publishMessage(B_MIX, Arrays.asList("tagA"), null);
            String id2 = topic.publishMessage(B_SPECIAL, Arrays.asList("tagZ"), null);
            Message m = tq.receiveMessage(5);
            check(B_MIX.equals(m.msgBody), "tagged queue got [" + m.msgBody + "]");
            tq.deleteMessage(m.receiptHandle);
            try { tq.receiveMessage(1); throw new AssertionError("tagZ message reached tagA subscription"); } catch (CMQServerException e) {
                check(serverCode(e) == 7000, "" + e);
            }
            // the untagged subscription gets both
            Set<String> nb = new HashSet<>();
            for (int i = 0; i < 2; i++) { Message x = nq.receiveMessage(5); nb.add(x.msgBody); nq.deleteMessage(x.receiptHandle); }
            check(nb.equals(new HashSet<>(Arrays.asList(B_MIX, B_SPECIAL))), "no-filter sub got " + nb);
            return "msgIds " + id + ", " + id2;
        });
        step("Topic.publishMessage(msg) + HTTP push received (JSON)", () -> {
            // drain pushes of previous step
            Thread.sleep(1500);
            pushed.clear();
            String id = topic.publishMessage(B_CN);
            String got = pushed.poll(10, TimeUnit.SECONDS);
            check(got != null, "push arrived within 10 s");
            check(got.contains(B_CN) || got.contains("\\u4e2d"), "push body contains message: " + got);
            for (int i = 0; i < 1; i++) { Message x = nq.receiveMessage(5); nq.deleteMessage(x.receiptHandle); }
            return "msgId=" + id + " push=" + got + " headers=" + pushHeaders.get(pushHeaders.size() - 1);
        });
        step("Topic.publishMessage(msg,routingKey)", () -> {
            String id = rtopic.publishMessage(B_AT, "order.created");
            String id2 = rtopic.publishMessage(B_CN, "user.created");
            Message m = kq.receiveMessage(5);
            check(B_AT.equals(m.msgBody), "order.* queue got [" + m.msgBody + "]");
            kq.deleteMessage(m.receiptHandle);
            try { kq.receiveMessage(1); throw new AssertionError("user.created reached order.*"); } catch (CMQServerException e) {
                check(serverCode(e) == 7000, "" + e);
            }
            Set<String> all = new HashSet<>();
            for (int i = 0; i < 2; i++) { Message x = kq2.receiveMessage(5); all.add(x.msgBody); kq2.deleteMessage(x.receiptHandle); }
            check(all.equals(new HashSet<>(Arrays.asList(B_AT, B_CN))), "# queue got " + all);
            return "msgIds " + id + ", " + id2;
        });
        step("Topic.batchPublishMessage(list) + HTTP push", () -> {
            Thread.sleep(500);
            pushed.clear();
            Vector<String> ids = topic.batchPublishMessage(Arrays.asList(B_AT, B_SPECIAL));
            check(ids.size() == 2, "ids " + ids);
            List<String> got = new ArrayList<>();
            long t0 = System.currentTimeMillis();
            while (got.size() < 2 && System.currentTimeMillis() - t0 < 10000) { String p = pushed.poll(1, TimeUnit.SECONDS); if (p != null) got.add(p); }
            check(got.size() == 2, "pushes " + got.size());
            for (int i = 0; i < 2; i++) { Message x = nq.receiveMessage(5); nq.deleteMessage(x.receiptHandle); }
            return "msgIds " + ids + " pushes=" + got;
        });
        step("Topic.batchPublishMessage(list,tags,null) routed by tag", () -> {
            Vector<String> ids = topic.batchPublishMessage(Arrays.asList(B_CN, B_MIX), Arrays.asList("标签"), null);
            List<Message> got = new ArrayList<>();
            long t0 = System.currentTimeMillis();
            while (got.size() < 2 && System.currentTimeMillis() - t0 < 8000) {
                try { got.addAll(tq.batchReceiveMessage(16, 2)); } catch (CMQServerException e) { if (serverCode(e) != 7000) throw e; }
            }
            Set<String> b = new HashSet<>();
            List<String> h = new ArrayList<>();
            for (Message m : got) { b.add(m.msgBody); h.add(m.receiptHandle); }
            check(b.equals(new HashSet<>(Arrays.asList(B_CN, B_MIX))), "tag queue got " + b);
            tq.batchDeleteMessage(h);
            for (int i = 0; i < 2; i++) { Message x = nq.receiveMessage(5); nq.deleteMessage(x.receiptHandle); }
            return "msgIds " + ids;
        });
        step("Topic.batchPublishMessage(list,routingKey)", () -> {
            Vector<String> ids = rtopic.batchPublishMessage(Arrays.asList(B_SPECIAL, B_MIX), "order.paid");
            List<Message> got = new ArrayList<>();
            long t0 = System.currentTimeMillis();
            while (got.size() < 2 && System.currentTimeMillis() - t0 < 8000) {
                try { got.addAll(kq.batchReceiveMessage(16, 2)); } catch (CMQServerException e) { if (serverCode(e) != 7000) throw e; }
            }
            Set<String> b = new HashSet<>();
            List<String> h = new ArrayList<>();
            for (Message m : got) { b.add(m.msgBody); h.add(m.receiptHandle); }
            check(b.equals(new HashSet<>(Arrays.asList(B_SPECIAL, B_MIX))), "order.* queue got " + b);
            kq.batchDeleteMessage(h);
            for (int i = 0; i < 2; i++) { Message x = kq2.receiveMessage(5); kq2.deleteMessage(x.receiptHandle); }
            return "msgIds " + ids;
        });

        step("Subscription.SetSubscriptionAttributes", () -> {
            SubscriptionMeta m = new SubscriptionMeta();
            m.NotifyStrategy = "EXPONENTIAL_DECAY_RETRY";
            m.NotifyContentFormat = "SIMPLIFIED";
            m.FilterTag = new Vector<>(Arrays.asList("tagB"));
            sq.SetSubscriptionAttributes(m);
            SubscriptionMeta g = sq.getSubscriptionAttributes();
            check("EXPONENTIAL_DECAY_RETRY".equals(g.NotifyStrategy) && g.FilterTag.equals(new Vector<>(Arrays.asList("tagB"))),
                    "read back strategy=" + g.NotifyStrategy + " tags=" + g.FilterTag + " format=" + g.NotifyContentFormat);
            SubscriptionMeta hm = new SubscriptionMeta();
            hm.NotifyContentFormat = "SIMPLIFIED";
            acc.getSubscription(tTag, subH).SetSubscriptionAttributes(hm);
            SubscriptionMeta hg = acc.getSubscription(tTag, subH).getSubscriptionAttributes();
            check("SIMPLIFIED".equals(hg.NotifyContentFormat), "http format " + hg.NotifyContentFormat);
            SubscriptionMeta rm = new SubscriptionMeta();
            rm.bindingKey = new Vector<>(Arrays.asList("user.*"));
            acc.getSubscription(tRoute, subR).SetSubscriptionAttributes(rm);
            SubscriptionMeta rg = acc.getSubscription(tRoute, subR).getSubscriptionAttributes();
            check(rg.bindingKey != null && rg.bindingKey.equals(new Vector<>(Arrays.asList("user.*"))), "bindingKey " + rg.bindingKey);
            return "queue sub strategy=" + g.NotifyStrategy + " tags=" + g.FilterTag + "; http format=" + hg.NotifyContentFormat + "; routing bindingKey=" + rg.bindingKey;
        });
        step("HTTP push with SIMPLIFIED format carries the raw body", () -> {
            Thread.sleep(500);
            pushed.clear();
            topic.publishMessage(B_SPECIAL);
            String got = pushed.poll(10, TimeUnit.SECONDS);
            check(B_SPECIAL.equals(got), "push body [" + got + "]");
            Message x = nq.receiveMessage(5); nq.deleteMessage(x.receiptHandle);
            return "push=" + got;
        });
        step("Subscription.ClearFilterTags (sends action ClearSUbscriptionFIlterTags)", () -> {
            sq.ClearFilterTags();
            SubscriptionMeta g = sq.getSubscriptionAttributes();
            check(g.FilterTag == null || g.FilterTag.isEmpty(), "tags after clear " + g.FilterTag);
            return "tags after clear=" + g.FilterTag;
        });
        step("Account.deleteSubscribe", () -> {
            acc.deleteSubscribe(tTag, subQ);
            acc.deleteSubscribe(tTag, subH);
            acc.deleteSubscribe(tTag, subN);
            acc.deleteSubscribe(tRoute, subR);
            acc.deleteSubscribe(tRoute, subR2);
            List<String> l = new ArrayList<>();
            int n = topic.ListSubscription(0, 10, "", l);
            check(n == 0 && l.isEmpty(), "left " + n + " " + l);
            return "";
        });
        step("Subscription.getSubscriptionAttributes on deleted -> server error", () -> {
            try { sq.getSubscriptionAttributes(); } catch (CMQServerException e) { return "" + e; }
            throw new AssertionError("no error");
        });
        step("Account.deleteTopic", () -> {
            acc.deleteTopic(tTag);
            acc.deleteTopic(tRoute);
            List<String> l = new ArrayList<>();
            acc.listTopic(tag, l, 0, 10);
            check(l.isEmpty(), "left " + l);
            return "";
        });
        step("Account.deleteQueue", () -> {
            for (String q : new String[]{q1, qDelay, qPoll, qRewind, qTag, qRoute, qRoute2, qPlain}) acc.deleteQueue(q);
            List<String> l = new ArrayList<>();
            int n = acc.listQueue(tag, 0, 20, l);
            check(n == 0 && l.isEmpty(), "left " + l);
            return "";
        });
        hs.stop(0);

        int ok = 0, fail = 0;
        for (String[] r : results) if (r[1].equals("OK")) ok++; else fail++;
        System.out.println("SUMMARY|" + variant + "|" + ok + " OK, " + fail + " FAIL");
        wire.close();
        System.exit(fail > 0 ? 1 : 0);
    }
}
