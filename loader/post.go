// Package loader reads a folder of posts (YAML front matter followed by an
// HTML or Markdown body) and keeps it in sync with the file system. It knows
// files and front matter, nothing of feeds.
package loader

import (
	"fmt"
	"strings"
	"time"
	"unsafe"
)

// A Post is one parsed file of the seed folder. Its fields are plain text
// (title, summary) or HTML (Body) exactly as the author wrote them, with
// characters that XML cannot carry already removed.
type Post struct {
	Path       string // slash-separated path relative to the seed folder
	Title      string
	Date       time.Time
	Updated    time.Time // equal to Date when the post gives no update
	Categories []string  // in the order the post names them, without duplicates
	Tags       []string
	Author     Author
	Image      string // URL of the post's picture, as written
	Summary    string // the post's own description, if it has one
	Link       string // canonical URL, if the post has one
	Lang       string
	Draft      bool // draft: true or published: false
	slim       bool // kept slim (Config.SlimPosts): Full reads it whole again, with again
	// primed: told to a Loader (Prime), not read by it; Scan gives it
	// again once it has found its file.
	primed bool
	// utf8: the bytes whose digest is Sum were UTF-8 as they were, not
	// decoded from GB18030: Full, reading them again, checks them no more.
	// False (check) for a post not read by this process.
	utf8 bool
	// xml: those bytes, UTF-8, hold no character XML forbids: Full's
	// body needs none stripped.
	xml bool
	// lent: Body is a part of the buffer WithFull read the file into,
	// which is reused once WithFull returns (see Keep).
	lent bool
	// size is the file's, in bytes, when read: Full reads it again without
	// a read to find its end. 0 for a post not read by this process.
	size int64
	// sched is when the post may first appear and when it leaves the
	// feeds (Due, Expires); nil for most posts, which give neither: 40
	// bytes a post less than two times held in each.
	sched *schedule
	Body  string // HTML; Markdown files are already rendered; see LoadBody
	Sum   string // hex digest of the file's bytes: changes when the file does

	// again reads the file again, for its body (LoadBody) when the loader
	// dropped it, or whole (Full) when it kept the post slim; nil when it
	// kept the post whole.
	again *again
}

// A schedule is the times a post gives for its showing (Post.Schedule).
type schedule struct{ due, expires time.Time }

// Due, when later than Date, is when the post may first appear (Hugo's
// publishDate); zero when the post gives none.
func (p *Post) Due() time.Time {
	if p.sched == nil {
		return time.Time{}
	}
	return p.sched.due
}

// Expires, when not zero, is when the post leaves the feeds (Hugo's
// expiryDate).
func (p *Post) Expires() time.Time {
	if p.sched == nil {
		return time.Time{}
	}
	return p.sched.expires
}

// Schedule sets the post's Due and Expires.
func (p *Post) Schedule(due, expires time.Time) {
	p.sched = nil
	if !due.IsZero() || !expires.IsZero() {
		p.sched = &schedule{due: due, expires: expires}
	}
}

// Showing reports whether the post belongs in feeds at now: not a draft,
// due, and not expired.
func (p *Post) Showing(now time.Time) bool {
	exp := p.Expires()
	return !p.Draft && !p.DueAt().After(now) && (exp.IsZero() || exp.After(now))
}

// DueAt is when the post may first appear: Date, or Due when later.
func (p *Post) DueAt() time.Time {
	if due := p.Due(); due.After(p.Date) {
		return due
	}
	return p.Date
}

// Full returns the whole post: p itself, or, when the loader keeps posts
// slim (Config.SlimPosts), the post read again from its file, with its
// body. It fails if the file changed since the post was read: a later scan
// brings the new post.
func (p *Post) Full() (*Post, error) {
	if !p.slim || p.again == nil {
		return p, nil
	}
	return p.again.full(p)
}

// WithFull calls use with the whole post, as Full gives it, or with
// Full's error. The post's Body may be lent: a part of the buffer the file
// was read into, which the next read reuses once use returns. What use
// keeps of it, it keeps through Keep. This spares a copy of each body (a
// quarter of Full's time) to a program that keeps little of them as they
// are, as build's pages.
func (p *Post) WithFull(use func(full *Post, err error)) {
	if !p.slim || p.again == nil {
		use(p, nil)
		return
	}
	p.again.lend(p, use)
}

// Keep is s, a part of the post's Body, as a string that outlives a Body
// lent by WithFull: a copy where the Body is lent, else s itself.
func (p *Post) Keep(s string) string {
	if p.lent && partOf(s, p.Body) {
		return strings.Clone(s)
	}
	return s
}

// partOf reports whether the bytes of s are some of those of b.
func partOf(s, b string) bool {
	at, from := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(b)))
	return len(s) > 0 && at >= from && at < from+uintptr(len(b))
}

// LoadBody returns the post's body: Body, or, when the loader was told not
// to keep bodies in memory (Config.BodyBudget), the body read again from
// the file. It fails if the file changed since the post was read: a later
// scan brings the new post.
func (p *Post) LoadBody() (string, error) {
	if p.slim && p.again != nil {
		f, err := p.again.full(p)
		if err != nil {
			return "", err
		}
		return f.Body, nil
	}
	if p.Body != "" || p.again == nil {
		return p.Body, nil
	}
	return p.again.body(p)
}

// Author is who wrote a post.
type Author struct {
	Name  string
	Email string
	URL   string
}

// A Problem is a reason a file was rejected (or, with Warn, a note about a
// file that was still accepted). It prints as path:line: message, the form
// compilers use, so editors can jump to it.
type Problem struct {
	Path string
	Line int // 1-based; 0 when unknown
	Msg  string
	Warn bool
}

func (p *Problem) Error() string {
	kind := ""
	if p.Warn {
		kind = "warning: "
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s%s", p.Path, p.Line, kind, p.Msg)
	}
	return fmt.Sprintf("%s: %s%s", p.Path, kind, p.Msg)
}
