package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"feedpub/feed"

	"github.com/robfig/cron/v3"
)

func livePost(t *testing.T, dir, name, title string, date time.Time) {
	t.Helper()
	text := fmt.Sprintf("---\ntitle: %s\ncategories: [live]\ndate: %s\n---\n<p>%s</p>\n",
		title, date.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"), title)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newTestServer makes a server for a temporary seed folder and the given
// schedule, logging into the returned buffer.
func newTestServer(t *testing.T, schedule string) (*server, string, *syncBuffer) {
	t.Helper()
	seeds := t.TempDir()
	fc := &fileConfig{Timezone: "UTC", Schedule: schedule, Seeds: seeds, Out: t.TempDir(), Addr: "127.0.0.1:0"}
	cfg, err := fc.check()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s, seeds, logs
}

// served waits until the served all-posts RSS feed contains (or, with
// absent, lacks) text.
func served(t *testing.T, s *server, text string, within time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	for time.Since(t0) < within {
		if bytes.Contains(servedBody(s, "/rss.xml"), []byte(text)) {
			return time.Since(t0)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%q not served after %v", text, within)
	return 0
}

// A post dated in the future appears at its time, with no file event.
func TestFuturePostAppearsOnTime(t *testing.T) {
	s, seeds, logs := newTestServer(t, "@every 1h")
	livePost(t, seeds, "now.md", "present", time.Now().Add(-time.Hour))
	due := time.Now().Add(2 * time.Second).Truncate(time.Second)
	livePost(t, seeds, "later.md", "future", due)
	start(t, s, nil)
	served(t, s, "present", 5*time.Second)
	if bytes.Contains(servedBody(s, "/rss.xml"), []byte("future")) {
		t.Fatalf("the future post is served before its date %v", due)
	}
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	served(t, s, "future", 5*time.Second)
	// Served by the timer for its date: the schedule (hourly) never ticked.
	if early := time.Until(due); early > 0 {
		t.Errorf("future post served %v before its date", early)
	}
}

// A new post is served soon after it is written, through the watcher.
func TestNewPostServed(t *testing.T) {
	s, seeds, logs := newTestServer(t, "@every 1h")
	livePost(t, seeds, "a.md", "first", time.Now().Add(-time.Hour))
	start(t, s, nil)
	served(t, s, "first", 5*time.Second)
	livePost(t, seeds, "b.md", "second", time.Now().Add(-time.Minute))
	d := served(t, s, "second", 5*time.Second)
	t.Logf("new post served after %v", d)
	if t.Failed() {
		t.Log(logs.String())
	}
}

// A panic in a rebuild is logged, the last good feeds stay, and later
// rebuilds still run.
func TestRebuildPanicRecovered(t *testing.T) {
	s, seeds, logs := newTestServer(t, "@every 1h")
	livePost(t, seeds, "a.md", "first", time.Now().Add(-time.Hour))
	var calls atomic.Int32
	s.hook = func() {
		if calls.Add(1) == 2 {
			panic("boom")
		}
	}
	start(t, s, nil)
	served(t, s, "first", 5*time.Second)
	livePost(t, seeds, "b.md", "second", time.Now().Add(-time.Minute))
	// The rebuild for b.md panics; the next one (the watcher's next burst or
	// our trigger) must still run.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "rebuild panicked: boom") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "rebuild panicked: boom") {
		t.Fatalf("no panic logged; logs:\n%s", logs.String())
	}
	if !bytes.Contains(servedBody(s, "/rss.xml"), []byte("first")) {
		t.Fatalf("the last good feeds are not served after a panic")
	}
	s.trigger([]string{filepath.Join(seeds, "b.md")})
	served(t, s, "second", 5*time.Second)
}

// A tick that comes while a rebuild runs is skipped, not queued; triggers
// during a rebuild merge into one more rebuild.
func TestRebuildsSkippedNotStacked(t *testing.T) {
	s, seeds, logs := newTestServer(t, "@every 1h")
	livePost(t, seeds, "a.md", "first", time.Now().Add(-time.Hour))
	var calls atomic.Int32
	release := make(chan struct{})
	s.hook = func() {
		if calls.Add(1) == 2 {
			<-release // the second rebuild hangs until we let it go
		}
	}
	start(t, s, nil)
	served(t, s, "first", 5*time.Second)
	s.trigger(nil)
	for calls.Load() < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	job := s.scheduled(context.Background())
	for range 3 {
		job.Run() // must return at once: a rebuild is running
	}
	for i := range 50 {
		s.trigger([]string{filepath.Join(seeds, fmt.Sprintf("%d.md", i))})
	}
	close(release)
	time.Sleep(500 * time.Millisecond)
	if got := calls.Load(); got != 3 {
		t.Errorf("got %d rebuilds, want 3: the first, the held one, and one for all the merged triggers", got)
	}
	if got := strings.Count(logs.String(), "scheduled rebuild skipped"); got != 3 {
		t.Errorf("got %d skipped ticks logged, want 3", got)
	}
}

// With the chain in the order cronChain gives, a job that panics is
// recovered and still runs on later ticks (robfig/cron v3.0.1 leaves it
// locked for good in the other order).
func TestCronChainPanicKeepsJob(t *testing.T) {
	var runs atomic.Int32
	logs := &syncBuffer{}
	c := cron.New(cron.WithSeconds(), cronChain(slog.New(slog.NewTextHandler(logs, nil))))
	c.Schedule(cron.Every(time.Second), cron.FuncJob(func() {
		runs.Add(1)
		panic("boom")
	}))
	c.Start()
	time.Sleep(3500 * time.Millisecond)
	<-c.Stop().Done()
	if got := runs.Load(); got < 2 {
		t.Errorf("got %d runs of a panicking job in 3.5s of 1s ticks, want at least 2", got)
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic not logged; logs:\n%s", logs.String())
	}
}

// A post dated centuries ahead (more than a Duration can hold) sets a
// timer for a day, not one that fires at once and rebuilds forever.
func TestFarFuturePostNoSpin(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		next time.Time
		want time.Duration
	}{
		{now.Add(time.Second), time.Second + 10*time.Millisecond},
		{now.Add(-time.Second), 10 * time.Millisecond},
		{now.Add(48 * time.Hour), maxDueWait + 10*time.Millisecond},
		{time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC), maxDueWait + 10*time.Millisecond},
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), maxDueWait + 10*time.Millisecond},
		{time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), 10 * time.Millisecond},
	} {
		if got := dueIn(tc.next, now); got != tc.want {
			t.Errorf("dueIn(%v): got %v, want %v", tc.next, got, tc.want)
		}
	}

	s, seeds, logs := newTestServer(t, "@every 1h")
	livePost(t, seeds, "now.md", "present", time.Now().Add(-time.Hour))
	livePost(t, seeds, "far.md", "far", time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC))
	var rebuilds atomic.Int32
	s.hook = func() { rebuilds.Add(1) }
	start(t, s, nil)
	served(t, s, "present", 5*time.Second)
	time.Sleep(500 * time.Millisecond)
	if n := rebuilds.Load(); n > 3 {
		t.Errorf("%d rebuilds in half a second with a post dated 2400: the due timer spins; logs:\n%.2000s", n, logs.String())
	}
}

// bodyAt is the body of the file at path p of site, or nil.
// servedBody is what s's handler answers for the path p (plain, not
// compressed), or nil for an answer other than 200.
func servedBody(s *server, p string) []byte {
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
	if rec.Code != http.StatusOK {
		return nil
	}
	return rec.Body.Bytes()
}

func bodyAt(site *feed.Site, p string) []byte {
	if site == nil {
		return nil
	}
	f, _ := site.File(p)
	if f == nil {
		return nil
	}
	return f.Body
}
