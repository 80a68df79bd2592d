package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// Under an editor that truncates a post and writes it again, over and
// over, the post's page and its category's feed never answer 404: a post
// caught empty or half written keeps its last good version.
func TestTruncatingWriterNever404(t *testing.T) {
	s, seeds, logs := newTestServer(t, "@every 1h")
	name := filepath.Join(seeds, "w.md")
	livePost(t, seeds, "w.md", "written", time.Now().Add(-time.Hour))
	text, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	start(t, s, nil)
	served(t, s, "written", 5*time.Second)

	stop := make(chan struct{})
	var writes atomic.Int32
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			f, err := os.OpenFile(name, os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				continue
			}
			time.Sleep(time.Millisecond) // caught empty
			f.Write(text[:len(text)/3])
			time.Sleep(time.Millisecond) // caught half written
			f.Write(text[len(text)/3:])
			f.Close()
			writes.Add(1)
			time.Sleep(3 * time.Millisecond)
		}
	}()
	deadline := time.Now().Add(2 * time.Second)
	polls, missing := 0, 0
	for time.Now().Before(deadline) {
		for _, p := range []string{"/categories/live/rss.xml", "/posts/w/"} {
			rec := httptest.NewRecorder()
			s.handler.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
			polls++
			if rec.Code != http.StatusOK {
				missing++
				if missing < 5 {
					t.Errorf("%s: got %d while the post was being rewritten", p, rec.Code)
				}
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	close(stop)
	t.Logf("%d polls, %d not 200, %d rewrites", polls, missing, writes.Load())
	if missing > 0 {
		t.Logf("logs:\n%.3000s", logs.String())
	}
}
