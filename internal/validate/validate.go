// Package validate checks the feeds feedpub writes, for tests: each feed is
// parsed back with a strict XML decoder, with gofeed and with the rules of
// its format (RSS 2.0 and the RSS Advisory Board's best practices, RFC 4287
// Atom, JSON Feed 1.1), and compared with what the posts say it must
// hold. Tools nobody on this project wrote (jing, Python's feedparser,
// newsboat) are run by the functions in tools.go.
package validate

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"feedpub/loader"
)

// Formats are the feed files of a feed folder, by format name.
var Formats = map[string]string{"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}

// FormatOf gives the format of a feed file by its name, or "".
func FormatOf(name string) string {
	for f, file := range Formats {
		if strings.HasSuffix(name, "/"+file) || name == file {
			return f
		}
	}
	return ""
}

// A Feed is one feed file read back, whatever its format.
type Feed struct {
	Format string
	Title  string
	Self   string // the feed's own URL, as the feed states it
	Items  []Item
}

// An Item is one entry of a Feed.
type Item struct {
	ID, Title, Link string
	Published       time.Time
	Updated         time.Time // zero in RSS
	Categories      []string
	Author          string // name
}

// Want is what a feed must hold: its items, newest first.
type Want struct {
	Dir   string // "" for all posts, else "<taxonomy>/<slug>/" ("categories/<slug>/")
	Items []WantItem
}

// WantItem is what one item must say.
type WantItem struct {
	Path       string // of the post
	Title      string
	Published  time.Time
	Updated    time.Time
	Categories []string
}

// Taxonomies are the front-matter fields that give feeds of their own, by
// folder: what a build with the default configuration publishes.
var Taxonomies = []Taxonomy{
	{"categories/", func(p *loader.Post) []string { return p.Categories }},
	{"tags/", func(p *loader.Post) []string { return p.Tags }},
	{"authors/", func(p *loader.Post) []string { return []string{p.Author.Name} }},
}

// A Taxonomy is a folder of feeds, one per term a post names.
type Taxonomy struct {
	Dir   string
	Terms func(p *loader.Post) []string
}

// Expect works out, from the posts alone, which feeds a build must write
// and what each holds: the due posts (not drafts, not dated after now),
// newest first (ties by path), at most limit per feed, one feed for all
// posts and one per term slug of every taxonomy (Taxonomies), as slug
// names it (feed.Slug: passed in, so that this package does not import
// feed and feed's tests can use it).
func Expect(posts []*loader.Post, now time.Time, limit int, slug func(string) string) map[string]*Want {
	return ExpectIn(posts, now, limit, slug, Taxonomies)
}

// ExpectIn is Expect for a site that publishes the taxonomies taxes.
func ExpectIn(posts []*loader.Post, now time.Time, limit int, slug func(string) string, taxes []Taxonomy) map[string]*Want {
	var due []*loader.Post
	for _, p := range posts {
		if !p.Draft && !p.Date.After(now) {
			due = append(due, p)
		}
	}
	sort.SliceStable(due, func(i, j int) bool {
		if !due[i].Date.Equal(due[j].Date) {
			return due[i].Date.After(due[j].Date)
		}
		return due[i].Path < due[j].Path
	})
	out := map[string]*Want{"": {Dir: ""}}
	for _, p := range due {
		wi := WantItem{Path: p.Path, Title: p.Title, Published: p.Date, Updated: p.Updated, Categories: p.Categories}
		add := func(dir string) {
			w := out[dir]
			if w == nil {
				w = &Want{Dir: dir}
				out[dir] = w
			}
			if n := len(w.Items); (n == 0 || w.Items[n-1].Path != p.Path) && n < limit {
				w.Items = append(w.Items, wi)
			}
		}
		add("")
		for _, tax := range taxes {
			for _, c := range tax.Terms(p) {
				if strings.TrimSpace(c) != "" {
					add(tax.Dir + slug(c) + "/")
				}
			}
		}
	}
	return out
}

// Options say what a feed's header must hold.
type Options struct {
	SelfURL  string // the feed's own absolute URL
	TTL      int    // RSS ttl in minutes
	Language string
}

// Check reads one feed file in the given format ("rss", "atom", "json"),
// applies the rules of that format and returns what it holds. Every
// broken rule is an error in errs; feed is nil only when the file could
// not be read at all.
func Check(format string, data []byte, opt Options) (f *Feed, errs []error) {
	if format != "json" {
		if err := StrictXML(data); err != nil {
			return nil, []error{fmt.Errorf("strict XML: %w", err)}
		}
	}
	switch format {
	case "rss":
		f, errs = checkRSS(data, opt)
	case "atom":
		f, errs = checkAtom(data, opt)
	case "json":
		f, errs = checkJSON(data, opt)
	default:
		return nil, []error{fmt.Errorf("unknown format %q", format)}
	}
	if f == nil {
		return nil, errs
	}
	// gofeed, a lenient parser, must still see the same items.
	g, err := gofeed.NewParser().Parse(bytes.NewReader(data))
	if err != nil {
		errs = append(errs, fmt.Errorf("gofeed: %w", err))
	} else {
		if g.FeedType != format {
			errs = append(errs, fmt.Errorf("gofeed: type %q, want %q", g.FeedType, format))
		}
		if len(g.Items) != len(f.Items) {
			errs = append(errs, fmt.Errorf("gofeed: %d items, want %d", len(g.Items), len(f.Items)))
		} else {
			for i, gi := range g.Items {
				if gi.GUID != f.Items[i].ID || gi.Title != f.Items[i].Title {
					errs = append(errs, fmt.Errorf("gofeed: item %d: id %q title %q, want %q %q", i, gi.GUID, clip(gi.Title), f.Items[i].ID, clip(f.Items[i].Title)))
				}
			}
		}
	}
	return f, errs
}

// ParseFile parses the feed file name with gofeed, failing t if it cannot.
func ParseFile(t testing.TB, name string) *gofeed.Feed {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

// StrictXML decodes data to the end with encoding/xml in strict mode.
func StrictXML(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// WellFormed parses a file back as what its name says: a feed's XML (.xml,
// .opml) with a strict decoder to the end, a JSON Feed (.json) with
// encoding/json and a version. Other files pass.
func WellFormed(name string, body []byte) error {
	switch {
	case strings.HasSuffix(name, ".json"):
		var v struct {
			Version string            `json:"version"`
			Items   []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("not a JSON Feed: %w", err)
		}
		if v.Version == "" {
			return fmt.Errorf("not a JSON Feed: no version")
		}
	case strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".opml"):
		if err := StrictXML(body); err != nil {
			return fmt.Errorf("ill-formed XML: %w", err)
		}
	}
	return nil
}

// Compare reports how f differs from want: item count, order, titles,
// dates (to the second) and categories.
func Compare(f *Feed, want *Want) []error {
	var errs []error
	if len(f.Items) != len(want.Items) {
		errs = append(errs, fmt.Errorf("%d items, want %d", len(f.Items), len(want.Items)))
	}
	for i := range min(len(f.Items), len(want.Items)) {
		got, w := f.Items[i], want.Items[i]
		if got.Title != w.Title {
			errs = append(errs, fmt.Errorf("item %d (%s): title %q, want %q", i, w.Path, clip(got.Title), clip(w.Title)))
		}
		if !got.Published.Equal(w.Published.Truncate(time.Second)) {
			errs = append(errs, fmt.Errorf("item %d (%s): published %v, want %v", i, w.Path, got.Published, w.Published))
		}
		if !got.Updated.IsZero() && !got.Updated.Equal(w.Updated.Truncate(time.Second)) {
			errs = append(errs, fmt.Errorf("item %d (%s): updated %v, want %v", i, w.Path, got.Updated, w.Updated))
		}
		if f.Format != "json" || len(got.Categories) >= len(w.Categories) {
			// JSON Feed tags are the categories, then the post's tags.
			gc := got.Categories
			if f.Format == "json" {
				gc = gc[:len(w.Categories)]
			}
			if !slices.Equal(gc, w.Categories) && !(len(gc) == 0 && len(w.Categories) == 0) {
				errs = append(errs, fmt.Errorf("item %d (%s): categories %q, want %q", i, w.Path, gc, w.Categories))
			}
		} else {
			errs = append(errs, fmt.Errorf("item %d (%s): tags %q, want the categories %q first", i, w.Path, got.Categories, w.Categories))
		}
	}
	ids := map[string]bool{}
	for i, it := range f.Items {
		if it.ID == "" {
			errs = append(errs, fmt.Errorf("item %d: no id", i))
		}
		if ids[it.ID] {
			errs = append(errs, fmt.Errorf("item %d: id %q used twice", i, it.ID))
		}
		ids[it.ID] = true
	}
	return errs
}

// SameIDs reports whether two readings of a feed list the same item ids in
// the same order.
func SameIDs(a, b *Feed) error {
	ia, ib := ids(a), ids(b)
	if !slices.Equal(ia, ib) {
		return fmt.Errorf("%s ids %q, %s ids %q", a.Format, ia, b.Format, ib)
	}
	return nil
}

func ids(f *Feed) []string {
	out := make([]string, len(f.Items))
	for i, it := range f.Items {
		out[i] = it.ID
	}
	return out
}

// CheckIRI reports whether s is an absolute URL fit for an href, link or
// url value: it parses, has a scheme (http or https, or urn for ids), and
// is written in ASCII with nothing that must be percent-encoded left raw.
func CheckIRI(s string, urn bool) error {
	if s == "" {
		return errors.New("empty URL")
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("\"<>\\^`{|}", r) {
			return fmt.Errorf("URL %q: %q must be percent-encoded", clip(s), r)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("URL %q: %w", clip(s), err)
	}
	switch {
	case u.Scheme == "http" || u.Scheme == "https":
		if u.Host == "" {
			return fmt.Errorf("URL %q: no host", clip(s))
		}
	case urn && u.Scheme == "urn":
	default:
		return fmt.Errorf("URL %q: not an absolute http(s) URL", clip(s))
	}
	return nil
}

// badTags are elements that must never reach a reader.
var badTags = map[string]bool{"script": true, "iframe": true, "object": true, "embed": true, "frame": true, "frameset": true, "applet": true, "style": true, "form": true, "base": true, "meta": true, "link": true}

var urlAttrs = map[string]bool{"href": true, "src": true, "poster": true, "cite": true, "action": true, "formaction": true, "background": true, "srcset": true}

// CheckHTML reports what in an HTML fragment is unsafe for a reader that
// shows it as it is, or not absolute: scripts, frames and plugins, event
// handlers, style attributes, javascript: and data: URLs, relative URLs.
func CheckHTML(s string) []error {
	var errs []error
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return errs
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken && tt != html.EndTagToken {
			continue
		}
		tok := z.Token()
		if badTags[tok.Data] {
			errs = append(errs, fmt.Errorf("HTML: <%s> element", tok.Data))
		}
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(key, "on"):
				errs = append(errs, fmt.Errorf("HTML: <%s %s=...> event handler", tok.Data, key))
			case key == "style":
				errs = append(errs, fmt.Errorf("HTML: <%s style=...>", tok.Data))
			case key == "srcset":
				for _, part := range strings.Split(a.Val, ",") {
					if f := strings.Fields(part); len(f) > 0 {
						if err := checkBodyURL(f[0]); err != nil {
							errs = append(errs, fmt.Errorf("HTML: <%s srcset>: %w", tok.Data, err))
						}
					}
				}
			case urlAttrs[key]:
				if err := checkBodyURL(a.Val); err != nil {
					errs = append(errs, fmt.Errorf("HTML: <%s %s>: %w", tok.Data, key, err))
				}
			}
		}
	}
}

func checkBodyURL(v string) error {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("URL %q: %w", clip(v), err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("URL %q: no host", clip(v))
		}
		return nil
	case "mailto":
		return nil
	case "":
		return fmt.Errorf("URL %q is relative", clip(v))
	}
	return fmt.Errorf("URL %q: scheme %q", clip(v), u.Scheme)
}

// rfc822 is an RSS date: RFC 822 with a four-digit year, as the RSS
// Advisory Board recommends.
var rfc822 = regexp.MustCompile(`^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|UT|[+-]\d{4})$`)

func parseRFC822(s string) (time.Time, error) {
	if !rfc822.MatchString(s) {
		return time.Time{}, fmt.Errorf("date %q is not RFC 822 with a four-digit year", s)
	}
	for _, layout := range []string{time.RFC1123, time.RFC1123Z} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q does not parse", s)
}

func parseRFC3339(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q is not RFC 3339: %w", s, err)
	}
	return t, nil
}

// ValidEmail reports whether s is a bare addr-spec.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

func itoa(i int) string { return strconv.Itoa(i) }

// decodeJSON decodes data into v, rejecting fields v does not name.
func decodeJSON(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}
