package loader

// A post's body: made into HTML (parser.body), and found again for a post
// read again without its front matter being read a second time (parseBody,
// fillBody).

import (
	"bytes"
	"fmt"
	"unsafe"
)

// body is the HTML of a post's body: Markdown rendered, characters XML
// forbids dropped.
func (p *parser) body(body []byte) (string, error) {
	body = bytes.TrimSpace(body)
	switch {
	case isMarkdown(p.name):
		var buf bytes.Buffer
		if err := markdown.Convert(body, &buf); err != nil {
			return "", p.fail(0, "markdown: %v", err)
		}
		return StripInvalidXML(buf.String()), nil
	case p.opt.Site == nil && p.clean: // a part of text that has nothing to strip
		return p.stringOf(body), nil
	case p.opt.Site == nil: // a part of decodeText's text, as it was: UTF-8
		return stripInvalidXMLUTF8(p.stringOf(body)), nil
	default: // with the expansions of a site's tags (expand)
		return StripInvalidXML(string(body)), nil
	}
}

// stringOf is b, a part of the text, as a string: b itself where the
// parser lends it, else a copy.
func (p *parser) stringOf(b []byte) string {
	if p.lend {
		return unsafe.String(unsafe.SliceData(b), len(b)) // of bytes nothing changes while lent
	}
	return string(b)
}

// parseBody is the body that Parse gives a file it accepted, found without
// reading the front matter again; sum is the file's Post.Sum.
func parseBody(name string, data []byte, sum string, opt Options) (string, error) {
	if got := digest(data); got != sum {
		return "", fmt.Errorf("loader: %s: changed since it was read", name)
	}
	if opt.Site != nil {
		// A dialect's tags need the post's address: read it all.
		post, _, err := parse(name, data, sum, opt)
		if err != nil {
			return "", err
		}
		return post.Body, nil
	}
	p, body, err := splitBody(name, data, nil, opt)
	if err != nil {
		return "", err
	}
	return p.body(body)
}

// fillBody is the slim post of a file whose bytes are data (and whose
// digest is slim.Sum: it was parsed already) with the body and summary
// that Parse gives it, found without reading the front matter again; ok
// is false where that cannot be done (a dialect's tags need the front
// matter), and parse must run. With lend the body may be a part of data
// (Post.WithFull).
func fillBody(slim *Post, data []byte, opt Options, lend bool) (post *Post, ok bool, err error) {
	if opt.Site != nil {
		return nil, false, nil
	}
	p, body, err := splitBody(slim.Path, data, slim, opt)
	if err != nil {
		return nil, true, err
	}
	cp := *slim
	cp.again, cp.slim, cp.primed = nil, false, false
	if cp.Summary == "" { // as parse: an excerpt when the front matter gives none
		if cp.Summary, err = p.excerpt(body, nil); err != nil {
			return nil, true, err
		}
	}
	p.lend = lend // the body, not the summary: that is kept
	if cp.Body, err = p.body(body); err != nil {
		return nil, true, err
	}
	cp.lent = lend && partOf(cp.Body, unsafe.String(unsafe.SliceData(data), len(data)))
	return &cp, true, nil
}

// splitBody is the body of a file, after its front matter, as parse finds
// it, and a parser for it. read, when not nil, is the post the scan made
// of these very bytes: what it found of them (Post.utf8, Post.xml) is not
// checked again.
func splitBody(name string, data []byte, read *Post, opt Options) (*parser, []byte, error) {
	p := &parser{name: name, opt: opt}
	text := data
	if read != nil && read.utf8 {
		p.clean = read.xml
	} else {
		var err error
		if text, _, p.clean, err = decodeText(data); err != nil {
			return nil, nil, err
		}
	}
	text = bytes.TrimPrefix(text, []byte("\ufeff"))
	if bytes.Contains(text, []byte("\r\n")) {
		text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	}
	_, body, err := p.split(text)
	if err != nil {
		return nil, nil, err
	}
	return p, body, nil
}
