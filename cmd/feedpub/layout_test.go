package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// devtools is a connection to one tab of headless Chromium over the
// DevTools protocol: the pages run no script, so layout is measured from
// outside them.
type devtools struct {
	ws   *websocket.Conn
	id   int
	seen map[string]bool // events received since the last navigation
}

// startDevtools runs headless Chromium with a DevTools port and connects
// to a new tab. Every host but 127.0.0.1 fails to resolve.
func startDevtools(t *testing.T, bin string) *devtools {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir="+t.TempDir(), "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
		"--remote-debugging-port=0", "--remote-allow-origins=http://127.0.0.1", "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`DevTools listening on ws://([^/\s]+)/`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	var host string
	select {
	case host = <-found:
	case <-time.After(60 * time.Second):
		t.Fatal("chromium did not open its DevTools port in 60s")
	}
	req, _ := http.NewRequest(http.MethodPut, "http://"+host+"/json/new?about:blank", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tab struct{ WebSocketDebuggerURL string }
	if err := json.NewDecoder(resp.Body).Decode(&tab); err != nil || tab.WebSocketDebuggerURL == "" {
		t.Fatalf("new tab: %v (%s)", err, resp.Status)
	}
	ws, err := websocket.Dial(tab.WebSocketDebuggerURL, "", "http://127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ws.MaxPayloadBytes = 64 << 20
	t.Cleanup(func() { ws.Close() })
	d := &devtools{ws: ws, seen: map[string]bool{}}
	d.call(t, "Page.enable", nil, nil)
	return d
}

// call sends a command and waits for its answer, noting the events that
// come meanwhile.
func (d *devtools) call(t *testing.T, method string, params, result any) {
	t.Helper()
	d.id++
	d.ws.SetDeadline(time.Now().Add(60 * time.Second))
	if err := websocket.JSON.Send(d.ws, map[string]any{"id": d.id, "method": method, "params": params}); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	for {
		var msg struct {
			ID     int
			Method string
			Result json.RawMessage
			Error  *struct{ Message string }
		}
		if err := websocket.JSON.Receive(d.ws, &msg); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if msg.Method != "" {
			d.seen[msg.Method] = true
			continue
		}
		if msg.ID != d.id {
			continue
		}
		if msg.Error != nil {
			t.Fatalf("%s: %s", method, msg.Error.Message)
		}
		if result != nil {
			if err := json.Unmarshal(msg.Result, result); err != nil {
				t.Fatalf("%s: %v", method, err)
			}
		}
		return
	}
}

// open loads url in a viewport width pixels wide (a phone's below 600)
// and waits for its load event.
func (d *devtools) open(t *testing.T, url string, width, height int) {
	t.Helper()
	d.call(t, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}, nil)
	d.seen = map[string]bool{}
	d.call(t, "Page.navigate", map[string]any{"url": url}, nil)
	for !d.seen["Page.loadEventFired"] {
		d.ws.SetDeadline(time.Now().Add(60 * time.Second))
		var msg struct{ Method string }
		if err := websocket.JSON.Receive(d.ws, &msg); err != nil {
			t.Fatalf("loading %s: %v", url, err)
		}
		if msg.Method != "" {
			d.seen[msg.Method] = true
		}
	}
}

// overflow is the width of the page's content and of its layout
// viewport, in CSS pixels.
func (d *devtools) overflow(t *testing.T) (content, viewport float64) {
	t.Helper()
	var m struct {
		CSSContentSize    struct{ Width, Height float64 }
		CSSLayoutViewport struct{ ClientWidth float64 }
	}
	d.call(t, "Page.getLayoutMetrics", nil, &m)
	return m.CSSContentSize.Width, m.CSSLayoutViewport.ClientWidth
}

// screenshot saves the page, down to at most maxHeight pixels, as a PNG.
func (d *devtools) screenshot(t *testing.T, name string, width, maxHeight int) {
	t.Helper()
	var m struct{ CSSContentSize struct{ Height float64 } }
	d.call(t, "Page.getLayoutMetrics", nil, &m)
	h := min(float64(maxHeight), m.CSSContentSize.Height)
	var shot struct{ Data string }
	d.call(t, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": width, "height": h, "scale": 1}}, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil || len(png) < 5000 {
		t.Fatalf("screenshot %s: %v (%d bytes)", name, err, len(png))
	}
	if err := os.WriteFile(name, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// firstLink is the first link on the page at u whose path starts with
// prefix (after the page's own path), resolved against u.
func firstLink(t *testing.T, u, prefix string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	base, _ := url.Parse(u)
	for _, l := range domLinks(t, u, body) {
		if lu, err := url.Parse(l); err == nil && lu.Host == base.Host && strings.HasPrefix(lu.Path, prefix) && lu.Path != prefix && lu.Path != base.Path {
			return l
		}
	}
	t.Fatalf("%s: no link under %s", u, prefix)
	return ""
}

// biggestCategory is the page of the category with the most posts, as
// /categories/ lists them (the count comes first in every language).
func biggestCategory(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/categories/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	best, most := "", -1
	re := regexp.MustCompile(`<h2><a href="([^"]+)">[^<]*</a></h2>\s*<p class="meta">(\d+)`)
	for _, m := range re.FindAllStringSubmatch(string(body), -1) {
		if n, _ := strconv.Atoi(m[2]); n > most {
			best, most = m[1], n
		}
	}
	if best == "" {
		t.Fatalf("/categories/ lists no category:\n%s", body)
	}
	u, _ := url.Parse(base + "/categories/")
	ref, _ := url.Parse(best)
	return u.ResolveReference(ref).String()
}

// TestPagesLayout loads a page of each kind in headless Chromium at 360
// CSS pixels (a phone) and 1280, in zh-CN and en, from the bundled seeds
// and from the hostile posts (a 2,000-character title, long words): none
// may scroll sideways. It saves screenshots of /, a category page and a
// post page at both widths in both languages under FEEDPUB_ARTIFACTS.
func TestPagesLayout(t *testing.T) {
	bin := chromium(t)
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	dir := os.Getenv("FEEDPUB_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d := startDevtools(t, bin)
	for _, seeds := range []string{seedsDir, hostileDir} {
		for _, lang := range []string{"zh-CN", "en"} {
			cfg := filepath.Join(t.TempDir(), "feedpub.yaml")
			if err := os.WriteFile(cfg, []byte("site:\n  language: "+lang+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			base, _ := startServe(t, "-seeds", seeds, "-config", cfg)
			base = strings.TrimSuffix(base, "/")
			category := biggestCategory(t, base)
			post := firstLink(t, category, "/posts/")
			if seeds == hostileDir {
				post = base + "/posts/h07_long_title/"
			}
			pages := []struct{ kind, url string }{
				{"index", base + "/"}, {"all", base + "/all/"}, {"categories", base + "/categories/"},
				{"category", category}, {"post", post},
			}
			for _, pg := range pages {
				for _, width := range []int{360, 1280} {
					d.open(t, pg.url, width, 900)
					// A phone's layout viewport grows to fit a page wider
					// than the screen (and zooms out): compare with the
					// width asked for, too.
					content, viewport := d.overflow(t)
					if content > min(viewport, float64(width))+0.5 {
						t.Errorf("%s %s (%s) at %d px: the page is %.0f px wide, so it scrolls sideways", filepath.Base(seeds), pg.kind, lang, width, content)
					}
					if seeds != seedsDir || pg.kind == "all" || pg.kind == "categories" {
						continue
					}
					name := filepath.Join(dir, fmt.Sprintf("%s-%s-%d.png", lang, pg.kind, width))
					d.screenshot(t, name, width, 2400)
					t.Logf("screenshot of %s saved to %s", pg.url, name)
				}
			}
		}
	}
}
