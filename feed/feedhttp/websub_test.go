package feedhttp

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// A hub that fails is asked again with backoff, each failure counted; one
// that keeps failing is given up on, the feeds counted as dropped; feeds
// are sent in batches.
func TestPingerRetries(t *testing.T) {
	var mu sync.Mutex
	fails, calls := 2, 0
	var got [][]string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls <= fails {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		got = append(got, r.PostForm["hub.url"])
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()
	m := NewMetrics()
	p := NewPinger(hub.URL, slog.New(slog.NewTextHandler(io.Discard, nil)), m)
	p.Backoff, p.Batch = time.Millisecond, 2
	ctx := t.Context()
	go p.Run(ctx)
	p.Notify([]string{"https://e.example/c.xml", "https://e.example/a.xml", "https://e.example/b.xml", "https://e.example/a.xml"})
	for end := time.Now().Add(10 * time.Second); counter(t, m, "feedpub_websub_published_total") < 3 && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	if n := counter(t, m, "feedpub_websub_published_total"); n != 3 {
		t.Fatalf("published %v feeds, want 3", n)
	}
	if n := counter(t, m, "feedpub_websub_errors_total"); n != 2 {
		t.Errorf("errors %v, want the 2 failures", n)
	}
	mu.Lock()
	if len(got) != 2 || len(got[0]) != 2 || got[0][0] != "https://e.example/a.xml" || len(got[1]) != 1 {
		t.Errorf("requests named %q, want [a b] then [c]", got)
	}
	fails = 1 << 30 // down for good
	mu.Unlock()
	p.Retries = 2
	p.Notify([]string{"https://e.example/d.xml"})
	for end := time.Now().Add(10 * time.Second); counter(t, m, "feedpub_websub_dropped_total") < 1 && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	if n := counter(t, m, "feedpub_websub_dropped_total"); n != 1 {
		t.Errorf("dropped %v, want 1 after every retry failed", n)
	}
}

// counter is the value of the counter named name in m.
func counter(t *testing.T, m *Metrics, name string) float64 {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
