// Drives every client function of the TencentCloud TDMQ-CMQ Go SDK against an OpenCMQ server.
// Setup (CreateQueue, CreateTopic, Subscribe, cleanup) uses a small signer of this program's own,
// because the SDK has no management actions; every check counted in the table goes through the SDK.
package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	tcmq "github.com/TencentCloud/tencentcloud-cmq-sdk-go"
)

var (
	flagURL    = flag.String("url", "", "OpenCMQ base URL, e.g. http://127.0.0.1:9720")
	flagNoAuth = flag.String("noauth-url", "", "optional URL of a second OpenCMQ started with --no-auth (AppId mode)")
	flagID     = flag.String("secret-id", "AKIDgotest", "SecretId")
	flagKey    = flag.String("secret-key", "gotestsecret", "SecretKey")
	flagVerb   = flag.Bool("v", false, "print every raw exchange")
)

// ---------- raw exchange recorder (wraps the SDK client's own transport) ----------

type exchange struct {
	Method, URL, ReqBody string
	Status               int
	RespBody             string
	Err                  string
}

type recorder struct {
	inner http.RoundTripper
	mu    sync.Mutex
	log   []exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	ex := exchange{Method: req.Method, URL: req.URL.String(), ReqBody: string(body)}
	resp, err := r.inner.RoundTrip(req)
	if err != nil {
		ex.Err = err.Error()
	} else {
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(rb))
		ex.Status = resp.StatusCode
		ex.RespBody = string(rb)
	}
	r.mu.Lock()
	r.log = append(r.log, ex)
	r.mu.Unlock()
	return resp, err
}

func (r *recorder) take() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.log
	r.log = nil
	return l
}

func record(c *tcmq.Client) *recorder {
	r := &recorder{inner: c.HttpClient.Transport}
	c.HttpClient.Transport = r
	return r
}

// ---------- results ----------

type result struct {
	name, ok, detail string
	ex               []exchange
}

var results []result

func check(name string, rec *recorder, f func() (string, error)) {
	if rec != nil {
		rec.take()
	}
	detail, err := f()
	var ex []exchange
	if rec != nil {
		ex = rec.take()
	}
	r := result{name: name, ok: "OK", detail: detail, ex: ex}
	if err != nil {
		r.ok = "FAIL"
		r.detail = err.Error()
	}
	results = append(results, r)
	fmt.Printf("[%s] %s: %s\n", r.ok, name, r.detail)
	if r.ok == "FAIL" || *flagVerb {
		for _, e := range ex {
			fmt.Printf("    > %s %s\n    > body: %s\n    < %d %s %s\n", e.Method, e.URL, e.ReqBody, e.Status, e.RespBody, e.Err)
		}
	}
}

// ---------- setup signer (not the SDK) ----------

func rawCall(base string, params map[string]string) (map[string]any, error) {
	u, _ := url.Parse(base)
	path := u.Path
	if path == "" {
		path = "/"
	}
	v := url.Values{}
	for k, x := range params {
		v.Set(k, x)
	}
	v.Set("SecretId", *flagID)
	v.Set("SignatureMethod", "HmacSHA1")
	v.Set("Nonce", strconv.Itoa(rand.Intn(1<<30)))
	v.Set("Timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	sb.WriteString("POST" + u.Host + path + "?")
	for i, k := range keys {
		if i > 0 {
			sb.WriteString("&")
		}
		sb.WriteString(k + "=" + v.Get(k))
	}
	h := hmac.New(sha1.New, []byte(*flagKey))
	h.Write([]byte(sb.String()))
	v.Set("Signature", base64.StdEncoding.EncodeToString(h.Sum(nil)))
	resp, err := http.Post(u.Scheme+"://"+u.Host+path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%v: %s", err, b)
	}
	if c, _ := m["code"].(float64); c != 0 {
		return m, fmt.Errorf("setup %s: %s", params["Action"], b)
	}
	return m, nil
}

func must(m map[string]any, err error) {
	if err != nil {
		fmt.Println("SETUP FAILED:", err)
		os.Exit(2)
	}
}

// ---------- helpers ----------

func expectCode(r tcmq.Result, want int) error {
	if r == nil {
		return fmt.Errorf("nil result")
	}
	if r.Code() != want {
		return fmt.Errorf("code %d (want %d), message %q, raw %s", r.Code(), want, r.Message(), r.String())
	}
	return nil
}

// okResult is the call's error, or else expectCode(r, 0): a call that must succeed with code 0.
func okResult(r tcmq.Result, err error) error {
	if err != nil {
		return err
	}
	return expectCode(r, 0)
}

// receive everything ready from q (short polls) and return bodies; deletes them.
func drain(c *tcmq.Client, q string, wait int) (bodies []string, err error) {
	for {
		r, e := c.BatchReceiveMessage(q, wait, 16)
		if e != nil {
			return bodies, e
		}
		if r.Code() == 7000 {
			return bodies, nil
		}
		if r.Code() != 0 {
			return bodies, fmt.Errorf("drain receive: %s", r.String())
		}
		var hs []string
		for _, m := range r.MsgInfos() {
			bodies = append(bodies, m.MsgBody())
			hs = append(hs, m.Handle())
		}
		d, e := c.BatchDeleteMessage(q, hs)
		if e != nil {
			return bodies, e
		}
		if d.Code() != 0 {
			return bodies, fmt.Errorf("drain delete: %s", d.String())
		}
		wait = 0
	}
}

func sameSet(got, want []string) error {
	g := append([]string(nil), got...)
	w := append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	if strings.Join(g, "\x00") != strings.Join(w, "\x00") {
		return fmt.Errorf("got bodies %q, want %q", got, want)
	}
	return nil
}

const (
	bodyAt   = "@starts with at-sign"
	bodyZh   = "中文消息：你好，世界 🌏"
	bodySym  = "a&b=c+d%20e%zz ?#/;:'\"<>\\ plus+ space"
	bodyMix  = "@中文 & = + % mixed"
	bodyJSON = `{"k":"v","n":[1,2]}`
)

func main() {
	flag.Parse()
	if *flagURL == "" {
		fmt.Println("usage: gosdkrun -url http://127.0.0.1:PORT [-noauth-url http://127.0.0.1:PORT2]")
		os.Exit(2)
	}
	rand.Seed(time.Now().UnixNano())
	sfx := strconv.FormatInt(time.Now().Unix()%100000, 10)
	qMain := "gq-main-" + sfx
	qDelay := "gq-delay-" + sfx
	qTag := "gq-tag-" + sfx
	qAll := "gq-all-" + sfx
	qRoute := "gq-route-" + sfx
	qWrap := "gq-wrap-" + sfx
	qBig := "gq-big-" + sfx
	tTag := "gt-tag-" + sfx
	tRoute := "gt-route-" + sfx

	// ---- setup, outside the SDK ----
	base := *flagURL
	for _, q := range []string{qMain, qDelay, qTag, qAll, qRoute, qWrap} {
		must(rawCall(base, map[string]string{"Action": "CreateQueue", "queueName": q, "visibilityTimeout": "30"}))
	}
	must(rawCall(base, map[string]string{"Action": "CreateQueue", "queueName": qBig, "maxMsgSize": "1048576"}))
	must(rawCall(base, map[string]string{"Action": "CreateTopic", "topicName": tTag, "filterType": "1"}))
	must(rawCall(base, map[string]string{"Action": "CreateTopic", "topicName": tRoute, "filterType": "2"}))
	must(rawCall(base, map[string]string{"Action": "Subscribe", "topicName": tTag, "subscriptionName": "s-tag", "protocol": "queue", "endpoint": qTag, "filterTag.0": "tagA"}))
	must(rawCall(base, map[string]string{"Action": "Subscribe", "topicName": tTag, "subscriptionName": "s-all", "protocol": "queue", "endpoint": qAll}))
	must(rawCall(base, map[string]string{"Action": "Subscribe", "topicName": tRoute, "subscriptionName": "s-route", "protocol": "queue", "endpoint": qRoute, "bindingKey.0": "order.*.created"}))
	fmt.Println("setup done:", qMain, qDelay, qTag, qAll, qRoute, qWrap, qBig, tTag, tRoute)

	// ---- SDK client, defaults (POST, HmacSHA1, path "/") ----
	c, err := tcmq.NewClient(base, *flagID, *flagKey, 5*time.Second)
	if err != nil {
		fmt.Println("NewClient:", err)
		os.Exit(1)
	}
	rec := record(c)
	check("NewClient (defaults: POST, HmacSHA1, path /)", nil, func() (string, error) {
		return fmt.Sprintf("Url=%s Method=%s SignMethod=%s", c.Url, c.Method, c.SignMethod), nil
	})

	// Single send / receive / delete, for each special body
	for _, body := range []string{bodyAt, bodyZh, bodySym, bodyMix, bodyJSON} {
		body := body
		var msgID, handle string
		check(fmt.Sprintf("Client.SendMessage body=%q", body), rec, func() (string, error) {
			r, err := c.SendMessage(qMain, body, 0)
			if err := okResult(r, err); err != nil {
				return "", err
			}
			if r.MsgId() == "" {
				return "", fmt.Errorf("empty msgId: %s", r.String())
			}
			msgID = r.MsgId()
			return fmt.Sprintf("msgId=%s status=%d requestId=%s", r.MsgId(), r.StatusCode(), r.RequestId()), nil
		})
		check(fmt.Sprintf("Client.ReceiveMessage (wait 3) body=%q", body), rec, func() (string, error) {
			r, err := c.ReceiveMessage(qMain, 3)
			if err := okResult(r, err); err != nil {
				return "", err
			}
			if r.MsgBody() != body {
				return "", fmt.Errorf("body mismatch: got %q want %q", r.MsgBody(), body)
			}
			if r.MsgId() != msgID {
				return "", fmt.Errorf("msgId %q, sent %q", r.MsgId(), msgID)
			}
			if r.Handle() == "" || r.EnqueueTime() == 0 || r.NextVisibleTime() == 0 || r.DequeueCount() != 1 || r.FirstDequeueTime() == 0 {
				return "", fmt.Errorf("missing fields: %s", r.String())
			}
			handle = r.Handle()
			return fmt.Sprintf("handle=%s enqueue=%d firstDequeue=%d nextVisible=%d dequeueCount=%d", r.Handle(), r.EnqueueTime(), r.FirstDequeueTime(), r.NextVisibleTime(), r.DequeueCount()), nil
		})
		check(fmt.Sprintf("Client.DeleteMessage body=%q", body), rec, func() (string, error) {
			r, err := c.DeleteMessage(qMain, handle)
			if err != nil {
				return "", err
			}
			return "code 0", expectCode(r, 0)
		})
	}

	// Delete again with the now stale handle: expect a CMQ error envelope parsed by the SDK
	check("Client.DeleteMessage stale handle -> error envelope", rec, func() (string, error) {
		_, _ = c.SendMessage(qMain, "stale", 0)
		r, err := c.ReceiveMessage(qMain, 3)
		if err != nil {
			return "", err
		}
		h := r.Handle()
		if d, err := c.DeleteMessage(qMain, h); err != nil || d.Code() != 0 {
			return "", fmt.Errorf("first delete: %v %v", err, d)
		}
		d, err := c.DeleteMessage(qMain, h)
		if err != nil {
			return "", err
		}
		if d.Code() == 0 {
			return "", fmt.Errorf("second delete succeeded: %s", d.String())
		}
		return fmt.Sprintf("code=%d message=%q", d.Code(), d.Message()), nil
	})

	// Empty receive with long polling: 7000 after ~wait
	check("Client.ReceiveMessage long poll on empty queue (wait 2)", rec, func() (string, error) {
		t0 := time.Now()
		r, err := c.ReceiveMessage(qMain, 2)
		if err != nil {
			return "", err
		}
		el := time.Since(t0)
		if err := expectCode(r, 7000); err != nil {
			return "", err
		}
		if el < 1800*time.Millisecond || el > 4*time.Second {
			return "", fmt.Errorf("returned after %v, want ~2s", el)
		}
		return fmt.Sprintf("code=7000 message=%q after %v", r.Message(), el.Round(10*time.Millisecond)), nil
	})

	// Long poll woken by a send from another goroutine
	check("Client.ReceiveMessage long poll woken by a send (wait 10, send at 1s)", rec, func() (string, error) {
		go func() {
			time.Sleep(time.Second)
			c2, _ := tcmq.NewClient(base, *flagID, *flagKey, 5*time.Second)
			c2.SendMessage(qMain, "wake "+bodyMix, 0)
		}()
		t0 := time.Now()
		r, err := c.ReceiveMessage(qMain, 10)
		if err != nil {
			return "", err
		}
		el := time.Since(t0)
		if err := expectCode(r, 0); err != nil {
			return "", err
		}
		if r.MsgBody() != "wake "+bodyMix {
			return "", fmt.Errorf("body %q", r.MsgBody())
		}
		if el > 3*time.Second {
			return "", fmt.Errorf("took %v", el)
		}
		c.DeleteMessage(qMain, r.Handle())
		return fmt.Sprintf("received after %v (HttpClient.Timeout now %v)", el.Round(10*time.Millisecond), c.HttpClient.Timeout), nil
	})

	// Delayed single send
	check("Client.SendMessage delaySeconds=2 then ReceiveMessage (0 then wait 5)", rec, func() (string, error) {
		r, err := c.SendMessage(qDelay, "delayed "+bodyZh, 2)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		t0 := time.Now()
		r0, err := c.ReceiveMessage(qDelay, 0)
		if err != nil {
			return "", err
		}
		if r0.Code() != 7000 {
			return "", fmt.Errorf("delayed message visible at once: %s", r0.String())
		}
		r1, err := c.ReceiveMessage(qDelay, 5)
		if err != nil {
			return "", err
		}
		el := time.Since(t0)
		if err := expectCode(r1, 0); err != nil {
			return "", err
		}
		if r1.MsgBody() != "delayed "+bodyZh {
			return "", fmt.Errorf("body %q", r1.MsgBody())
		}
		if el < 1500*time.Millisecond {
			return "", fmt.Errorf("arrived after %v, before the delay", el)
		}
		c.DeleteMessage(qDelay, r1.Handle())
		return fmt.Sprintf("immediate receive 7000, delayed message arrived after %v", el.Round(10*time.Millisecond)), nil
	})

	// Batch send / receive / delete
	batch := []string{bodyAt, bodyZh, bodySym, bodyMix, bodyJSON, "plain 6", "plain 7"}
	var handles []string
	check("Client.BatchSendMessage 7 bodies (@, 中文, &=+%)", rec, func() (string, error) {
		r, err := c.BatchSendMessage(qMain, batch, 0)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		if len(r.MsgIDs()) != len(batch) {
			return "", fmt.Errorf("%d msgIds: %s", len(r.MsgIDs()), r.String())
		}
		ids := []string{}
		for _, m := range r.MsgIDs() {
			if m.MsgId() == "" {
				return "", fmt.Errorf("empty msgId: %s", r.String())
			}
			ids = append(ids, m.MsgId())
		}
		return "msgIds " + strings.Join(ids, ","), nil
	})
	check("Client.BatchReceiveMessage numOfMsg=16 wait 3", rec, func() (string, error) {
		var got []string
		handles = nil
		for len(got) < len(batch) {
			r, err := c.BatchReceiveMessage(qMain, 3, 16)
			if err := okResult(r, err); err != nil {
				return "", err
			}
			for _, m := range r.MsgInfos() {
				if m.Handle() == "" || m.MsgId() == "" || m.EnqueueTime() == 0 || m.NextVisibleTime() == 0 || m.DequeueCount() != 1 {
					return "", fmt.Errorf("missing fields: %s", r.String())
				}
				got = append(got, m.MsgBody())
				handles = append(handles, m.Handle())
			}
		}
		return fmt.Sprintf("%d messages, bodies match", len(got)), sameSet(got, batch)
	})
	check("Client.BatchDeleteMessage 7 handles", rec, func() (string, error) {
		r, err := c.BatchDeleteMessage(qMain, handles)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		if len(r.Errors()) != 0 {
			return "", fmt.Errorf("errors: %s", r.String())
		}
		return "code 0, no errorList", nil
	})
	check("Client.BatchDeleteMessage stale + valid handles -> errorList parsed", rec, func() (string, error) {
		if _, err := c.SendMessage(qMain, "bd-partial", 0); err != nil {
			return "", err
		}
		rr, err := c.ReceiveMessage(qMain, 3)
		if err != nil || rr.Code() != 0 {
			return "", fmt.Errorf("receive: %v %v", err, rr)
		}
		r, err := c.BatchDeleteMessage(qMain, []string{handles[0], rr.Handle()})
		if err != nil {
			return "", err
		}
		if r.Code() == 0 || len(r.Errors()) != 1 {
			return "", fmt.Errorf("want one error: %s", r.String())
		}
		e := r.Errors()[0]
		if e.Code() == 0 || e.Handle() != handles[0] || e.Message() == "" {
			return "", fmt.Errorf("errorList entry not parsed: code=%d handle=%q message=%q raw=%s", e.Code(), e.Handle(), e.Message(), r.String())
		}
		return fmt.Sprintf("code=%d, errorList[0]: code=%d message=%q handle=%s", r.Code(), e.Code(), e.Message(), e.Handle()), nil
	})
	check("Client.BatchReceiveMessage long poll on empty queue (wait 2)", rec, func() (string, error) {
		t0 := time.Now()
		r, err := c.BatchReceiveMessage(qMain, 2, 5)
		if err != nil {
			return "", err
		}
		el := time.Since(t0)
		if err := expectCode(r, 7000); err != nil {
			return "", err
		}
		if el < 1800*time.Millisecond || el > 4*time.Second {
			return "", fmt.Errorf("returned after %v", el)
		}
		return fmt.Sprintf("code=7000 after %v", el.Round(10*time.Millisecond)), nil
	})
	check("Client.BatchSendMessage delaySeconds=2 then BatchReceiveMessage (0 then wait 5)", rec, func() (string, error) {
		msgs := []string{"d1 " + bodyAt, "d2 " + bodyZh, "d3 " + bodySym}
		r, err := c.BatchSendMessage(qDelay, msgs, 2)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		t0 := time.Now()
		r0, err := c.BatchReceiveMessage(qDelay, 0, 16)
		if err != nil {
			return "", err
		}
		if r0.Code() != 7000 {
			return "", fmt.Errorf("delayed batch visible at once: %s", r0.String())
		}
		var got []string
		var hs []string
		for len(got) < 3 && time.Since(t0) < 8*time.Second {
			r1, err := c.BatchReceiveMessage(qDelay, 5, 16)
			if err != nil {
				return "", err
			}
			if r1.Code() != 0 {
				continue
			}
			for _, m := range r1.MsgInfos() {
				got = append(got, m.MsgBody())
				hs = append(hs, m.Handle())
			}
		}
		el := time.Since(t0)
		if el < 1500*time.Millisecond {
			return "", fmt.Errorf("arrived after %v", el)
		}
		if len(hs) > 0 {
			c.BatchDeleteMessage(qDelay, hs)
		}
		return fmt.Sprintf("arrived after %v", el.Round(10*time.Millisecond)), sameSet(got, msgs)
	})
	check("Client.BatchReceiveMessage long poll woken by BatchSend (wait 10, send at 1s)", rec, func() (string, error) {
		go func() {
			time.Sleep(time.Second)
			c2, _ := tcmq.NewClient(base, *flagID, *flagKey, 5*time.Second)
			c2.BatchSendMessage(qMain, []string{"w1", "w2"}, 0)
		}()
		t0 := time.Now()
		r, err := c.BatchReceiveMessage(qMain, 10, 16)
		if err != nil {
			return "", err
		}
		el := time.Since(t0)
		if err := expectCode(r, 0); err != nil {
			return "", err
		}
		var hs []string
		for _, m := range r.MsgInfos() {
			hs = append(hs, m.Handle())
		}
		c.BatchDeleteMessage(qMain, hs)
		drain(c, qMain, 1)
		if el > 3*time.Second {
			return "", fmt.Errorf("took %v", el)
		}
		return fmt.Sprintf("%d message(s) after %v", len(hs), el.Round(10*time.Millisecond)), nil
	})

	// Big message (1 MiB - the SDK's max) on a queue with maxMsgSize 1048576
	check("Client.SendMessage/ReceiveMessage 1 MiB body (中文 + symbols)", rec, func() (string, error) {
		unit := "中文&=+%@"
		var sb strings.Builder
		for sb.Len()+len(unit) <= 1048576 {
			sb.WriteString(unit)
		}
		for sb.Len() < 1048576 {
			sb.WriteString("x")
		}
		big := sb.String()
		r, err := c.SendMessage(qBig, big, 0)
		if err != nil {
			return "", err
		}
		if err := expectCode(r, 0); err != nil {
			return "", fmt.Errorf("%v", err)
		}
		rr, err := c.ReceiveMessage(qBig, 3)
		if err := okResult(rr, err); err != nil {
			return "", err
		}
		if rr.MsgBody() != big {
			return "", fmt.Errorf("body of %d bytes differs", len(rr.MsgBody()))
		}
		c.DeleteMessage(qBig, rr.Handle())
		return fmt.Sprintf("%d bytes round-tripped", len(big)), nil
	})
	rec.take() // do not keep the 1 MiB exchange

	// Route queries (TDMQ-specific)
	check("Client.QueryQueueRoute", rec, func() (string, error) {
		r, err := c.QueryQueueRoute(qMain)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		return fmt.Sprintf("addr=%v", r.Addr()), nil
	})
	check("Client.QueryTopicRoute", rec, func() (string, error) {
		r, err := c.QueryTopicRoute(tTag)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		return fmt.Sprintf("addr=%v", r.Addr()), nil
	})

	// Topics: tags
	check("Client.PublishMessage tags [tagA] body @/中文/&=+% -> tag and all subscriptions", rec, func() (string, error) {
		r, err := c.PublishMessage(tTag, bodyMix, "", []string{"tagA"})
		if err := okResult(r, err); err != nil {
			return "", err
		}
		if r.MsgId() == "" {
			return "", fmt.Errorf("no msgId: %s", r.String())
		}
		gt, err := drain(c, qTag, 2)
		if err != nil {
			return "", err
		}
		ga, err := drain(c, qAll, 2)
		if err != nil {
			return "", err
		}
		if err := sameSet(gt, []string{bodyMix}); err != nil {
			return "", fmt.Errorf("tag queue: %v", err)
		}
		if err := sameSet(ga, []string{bodyMix}); err != nil {
			return "", fmt.Errorf("all queue: %v", err)
		}
		return "msgId=" + r.MsgId() + "; delivered to tag and all subscriptions", nil
	})
	check("Client.PublishMessage tags [tagB] -> only the unfiltered subscription", rec, func() (string, error) {
		r, err := c.PublishMessage(tTag, "tagB "+bodyAt, "", []string{"tagB"})
		if err := okResult(r, err); err != nil {
			return "", err
		}
		gt, _ := drain(c, qTag, 1)
		ga, _ := drain(c, qAll, 2)
		if len(gt) != 0 {
			return "", fmt.Errorf("tag queue got %q", gt)
		}
		return "filtered as expected", sameSet(ga, []string{"tagB " + bodyAt})
	})
	check("Client.PublishMessage no tags", rec, func() (string, error) {
		r, err := c.PublishMessage(tTag, "untagged "+bodySym, "", nil)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		gt, _ := drain(c, qTag, 1)
		ga, _ := drain(c, qAll, 2)
		if len(gt) != 0 {
			return "", fmt.Errorf("tag queue got %q", gt)
		}
		return "only unfiltered subscription got it", sameSet(ga, []string{"untagged " + bodySym})
	})
	check("Client.BatchPublishMessage 3 bodies tags [tagA, tagX]", rec, func() (string, error) {
		msgs := []string{"bp1 " + bodyAt, "bp2 " + bodyZh, "bp3 " + bodySym}
		r, err := c.BatchPublishMessage(tTag, "", msgs, []string{"tagA", "tagX"})
		if err := okResult(r, err); err != nil {
			return "", err
		}
		if len(r.MsgIDs()) != 3 {
			return "", fmt.Errorf("msgIds: %s", r.String())
		}
		gt, _ := drain(c, qTag, 2)
		ga, _ := drain(c, qAll, 2)
		if err := sameSet(gt, msgs); err != nil {
			return "", fmt.Errorf("tag queue: %v", err)
		}
		return "3 msgIds; delivered to both subscriptions", sameSet(ga, msgs)
	})
	// Topics: routing keys
	check("Client.PublishMessage routingKey order.eu.created (binding order.*.created)", rec, func() (string, error) {
		r, err := c.PublishMessage(tRoute, "route "+bodyMix, "order.eu.created", nil)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		g, err := drain(c, qRoute, 2)
		if err != nil {
			return "", err
		}
		return "routed", sameSet(g, []string{"route " + bodyMix})
	})
	check("Client.PublishMessage routingKey order.eu.deleted (no binding matches)", rec, func() (string, error) {
		r, err := c.PublishMessage(tRoute, "nomatch", "order.eu.deleted", nil)
		if err != nil {
			return "", err
		}
		g, _ := drain(c, qRoute, 1)
		if len(g) != 0 {
			return "", fmt.Errorf("unexpected delivery %q", g)
		}
		return fmt.Sprintf("not delivered; code=%d message=%q", r.Code(), r.Message()), nil
	})
	check("Client.BatchPublishMessage routingKey order.us.created", rec, func() (string, error) {
		msgs := []string{"rb1 " + bodyAt, "rb2 " + bodyZh}
		r, err := c.BatchPublishMessage(tRoute, "order.us.created", msgs, nil)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		if len(r.MsgIDs()) != 2 {
			return "", fmt.Errorf("msgIds: %s", r.String())
		}
		g, err := drain(c, qRoute, 2)
		if err != nil {
			return "", err
		}
		return "routed", sameSet(g, msgs)
	})

	// Queue / Topic wrapper types
	q := &tcmq.Queue{Client: c, Name: qWrap, DelaySeconds: 0, PollingWaitSeconds: 3}
	var wh string
	check("Queue.Send", rec, func() (string, error) {
		r, err := q.Send(bodyAt)
		if err != nil {
			return "", err
		}
		return "msgId=" + r.MsgId(), expectCode(r, 0)
	})
	check("Queue.Receive", rec, func() (string, error) {
		r, err := q.Receive()
		if err := okResult(r, err); err != nil {
			return "", err
		}
		wh = r.Handle()
		if r.MsgBody() != bodyAt {
			return "", fmt.Errorf("body %q", r.MsgBody())
		}
		return "body ok", nil
	})
	check("Queue.Delete", rec, func() (string, error) {
		r, err := q.Delete(wh)
		if err != nil {
			return "", err
		}
		return "code 0", expectCode(r, 0)
	})
	check("Queue.BatchSend", rec, func() (string, error) {
		r, err := q.BatchSend(bodyZh, bodySym, bodyMix)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d msgIds", len(r.MsgIDs())), expectCode(r, 0)
	})
	var whs []string
	check("Queue.BatchReceive(16)", rec, func() (string, error) {
		var got []string
		for len(got) < 3 {
			r, err := q.BatchReceive(16)
			if err := okResult(r, err); err != nil {
				return "", err
			}
			for _, m := range r.MsgInfos() {
				got = append(got, m.MsgBody())
				whs = append(whs, m.Handle())
			}
		}
		return "bodies match", sameSet(got, []string{bodyZh, bodySym, bodyMix})
	})
	check("Queue.BatchDelete", rec, func() (string, error) {
		r, err := q.BatchDelete(whs...)
		if err != nil {
			return "", err
		}
		return "code 0", expectCode(r, 0)
	})
	qd := &tcmq.Queue{Client: c, Name: qWrap, DelaySeconds: 1, PollingWaitSeconds: 4}
	check("Queue{DelaySeconds:1}.Send + Receive (long poll 4)", rec, func() (string, error) {
		r, err := qd.Send("qd " + bodyZh)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		t0 := time.Now()
		rr, err := qd.Receive()
		if err := okResult(rr, err); err != nil {
			return "", err
		}
		qd.Delete(rr.Handle())
		el := time.Since(t0)
		if el < 700*time.Millisecond {
			return "", fmt.Errorf("arrived after %v", el)
		}
		return fmt.Sprintf("arrived after %v", el.Round(10*time.Millisecond)), nil
	})
	tp := &tcmq.Topic{Client: c, Name: tTag, Tags: []string{"tagA"}}
	check("Topic.Publish (Tags [tagA])", rec, func() (string, error) {
		r, err := tp.Publish("tp " + bodyMix)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		g, _ := drain(c, qTag, 2)
		drain(c, qAll, 1)
		return "delivered", sameSet(g, []string{"tp " + bodyMix})
	})
	check("Topic.BatchPublish (Tags [tagA])", rec, func() (string, error) {
		r, err := tp.BatchPublish("tb1 "+bodyAt, "tb2 "+bodyZh)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		g, _ := drain(c, qTag, 2)
		drain(c, qAll, 1)
		return "delivered", sameSet(g, []string{"tb1 " + bodyAt, "tb2 " + bodyZh})
	})
	tr := &tcmq.Topic{Client: c, Name: tRoute, RoutingKey: "order.cn.created"}
	check("Topic.Publish (RoutingKey order.cn.created)", rec, func() (string, error) {
		r, err := tr.Publish("tr " + bodySym)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		g, _ := drain(c, qRoute, 2)
		return "delivered", sameSet(g, []string{"tr " + bodySym})
	})
	check("Topic.BatchPublish (RoutingKey order.cn.created)", rec, func() (string, error) {
		r, err := tr.BatchPublish("trb1 "+bodyAt, "trb2 "+bodyZh)
		if err := okResult(r, err); err != nil {
			return "", err
		}
		g, _ := drain(c, qRoute, 2)
		return "delivered", sameSet(g, []string{"trb1 " + bodyAt, "trb2 " + bodyZh})
	})

	// Response accessors
	check("Result accessors (StatusCode, RequestId, ClientId, String)", rec, func() (string, error) {
		r, err := c.SendMessage(qWrap, "acc", 0)
		if err != nil {
			return "", err
		}
		drain(c, qWrap, 1)
		if r.StatusCode() != 200 || r.RequestId() == "" || r.String() == "" {
			return "", fmt.Errorf("status=%d requestId=%q raw=%q", r.StatusCode(), r.RequestId(), r.String())
		}
		note := ""
		if r.ClientId() != c.Id {
			note = fmt.Sprintf(" (ClientId()=%d, client Id=%d: server does not echo clientRequestId)", r.ClientId(), c.Id)
		}
		return fmt.Sprintf("status=%d requestId=%s%s", r.StatusCode(), r.RequestId(), note), nil
	})

	// ---- client configuration variants ----
	variant := func(name string, mod func(*tcmq.Client), uri string) {
		cv, err := tcmq.NewClient(uri, *flagID, *flagKey, 5*time.Second)
		if err != nil {
			check(name, nil, func() (string, error) { return "", err })
			return
		}
		mod(cv)
		rv := record(cv)
		check(name+": SendMessage/ReceiveMessage/DeleteMessage", rv, func() (string, error) {
			var out []string
			for _, b := range []string{bodyAt, bodyZh, bodySym} {
				r, err := cv.SendMessage(qWrap, b, 0)
				if err := okResult(r, err); err != nil {
					return "", err
				}
				rr, err := cv.ReceiveMessage(qWrap, 3)
				if err := okResult(rr, err); err != nil {
					return "", err
				}
				if rr.MsgBody() != b {
					return "", fmt.Errorf("body %q want %q", rr.MsgBody(), b)
				}
				d, err := cv.DeleteMessage(qWrap, rr.Handle())
				if err := okResult(d, err); err != nil {
					return "", err
				}
				out = append(out, "ok")
			}
			return strings.Join(out, ","), nil
		})
		check(name+": BatchSend/BatchReceive/BatchDelete", rv, func() (string, error) {
			msgs := []string{bodyAt, bodyZh, bodySym, bodyMix}
			r, err := cv.BatchSendMessage(qWrap, msgs, 0)
			if err := okResult(r, err); err != nil {
				return "", err
			}
			var got, hs []string
			for len(got) < len(msgs) {
				rr, err := cv.BatchReceiveMessage(qWrap, 3, 16)
				if err := okResult(rr, err); err != nil {
					return "", err
				}
				for _, m := range rr.MsgInfos() {
					got = append(got, m.MsgBody())
					hs = append(hs, m.Handle())
				}
			}
			d, err := cv.BatchDeleteMessage(qWrap, hs)
			if err := okResult(d, err); err != nil {
				return "", err
			}
			return "bodies match", sameSet(got, msgs)
		})
		check(name+": PublishMessage (tag) + BatchPublishMessage (routing key)", rv, func() (string, error) {
			r, err := cv.PublishMessage(tTag, bodyMix, "", []string{"tagA"})
			if err := okResult(r, err); err != nil {
				return "", err
			}
			g, _ := drain(cv, qTag, 2)
			drain(cv, qAll, 1)
			if err := sameSet(g, []string{bodyMix}); err != nil {
				return "", err
			}
			r2, err := cv.BatchPublishMessage(tRoute, "order.x.created", []string{bodyAt, bodyZh}, nil)
			if err := okResult(r2, err); err != nil {
				return "", err
			}
			g2, _ := drain(cv, qRoute, 2)
			return "delivered", sameSet(g2, []string{bodyAt, bodyZh})
		})
	}
	variant("Method=GET", func(x *tcmq.Client) { x.Method = http.MethodGet }, base)
	variant("SignMethod=HmacSHA256", func(x *tcmq.Client) { x.SignMethod = tcmq.HmacSHA256 }, base)
	variant("Method=GET + HmacSHA256", func(x *tcmq.Client) { x.Method = http.MethodGet; x.SignMethod = tcmq.HmacSHA256 }, base)
	variant("Token + Header set", func(x *tcmq.Client) {
		x.Token = "tmp-token-xyz"
		x.Header = map[string]string{"X-Test": "1"}
	}, base)
	variant("URL path /v2/index.php", func(x *tcmq.Client) {}, base+"/v2/index.php")

	check("Wrong SecretKey -> SDK returns the 4100 envelope", nil, func() (string, error) {
		cw, _ := tcmq.NewClient(base, *flagID, "wrong", 5*time.Second)
		r, err := cw.SendMessage(qWrap, "x", 0)
		if err != nil {
			return "", err
		}
		if r.Code() != 4100 {
			return "", fmt.Errorf("code %d: %s", r.Code(), r.String())
		}
		return fmt.Sprintf("code=%d message=%q", r.Code(), r.Message()), nil
	})

	// AppId mode (no signature) against a --no-auth server, if given
	if *flagNoAuth != "" {
		na := *flagNoAuth
		must(rawCall(na, map[string]string{"Action": "CreateQueue", "queueName": qWrap}))
		must(rawCall(na, map[string]string{"Action": "CreateQueue", "queueName": qTag}))
		must(rawCall(na, map[string]string{"Action": "CreateQueue", "queueName": qAll}))
		must(rawCall(na, map[string]string{"Action": "CreateQueue", "queueName": qRoute}))
		must(rawCall(na, map[string]string{"Action": "CreateTopic", "topicName": tTag, "filterType": "1"}))
		must(rawCall(na, map[string]string{"Action": "CreateTopic", "topicName": tRoute, "filterType": "2"}))
		must(rawCall(na, map[string]string{"Action": "Subscribe", "topicName": tTag, "subscriptionName": "s-tag", "protocol": "queue", "endpoint": qTag, "filterTag.0": "tagA"}))
		must(rawCall(na, map[string]string{"Action": "Subscribe", "topicName": tTag, "subscriptionName": "s-all", "protocol": "queue", "endpoint": qAll}))
		must(rawCall(na, map[string]string{"Action": "Subscribe", "topicName": tRoute, "subscriptionName": "s-route", "protocol": "queue", "endpoint": qRoute, "bindingKey.0": "order.*.created"}))
		variant("AppId mode (no SecretId/Key) vs --no-auth server", func(x *tcmq.Client) {
			x.SecretId, x.SecretKey, x.AppId = "", "", 1250000000
		}, na)
	}

	// ---- cleanup (not SDK) ----
	for _, s := range [][2]string{{tTag, "s-tag"}, {tTag, "s-all"}, {tRoute, "s-route"}} {
		rawCall(base, map[string]string{"Action": "Unsubscribe", "topicName": s[0], "subscriptionName": s[1]})
	}
	for _, t := range []string{tTag, tRoute} {
		rawCall(base, map[string]string{"Action": "DeleteTopic", "topicName": t})
	}
	for _, qn := range []string{qMain, qDelay, qTag, qAll, qRoute, qWrap, qBig} {
		rawCall(base, map[string]string{"Action": "DeleteQueue", "queueName": qn})
	}

	// ---- table ----
	fmt.Println("\n| # | function | result | detail |\n|---|---|---|---|")
	fails := 0
	for i, r := range results {
		if r.ok == "FAIL" {
			fails++
		}
		d := strings.ReplaceAll(r.detail, "|", "\\|")
		if len(d) > 160 {
			d = d[:160] + "…"
		}
		fmt.Printf("| %d | %s | %s | %s |\n", i+1, strings.ReplaceAll(r.name, "|", "\\|"), r.ok, d)
	}
	fmt.Printf("\n%d passed, %d failed (%d checks)\n", len(results)-fails, fails, len(results))
	if fails > 0 {
		os.Exit(1)
	}
}
