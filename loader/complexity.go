package loader

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/yuin/goldmark/util"
)

// Markdown complexity budget. goldmark's time grows with the square of
// some constructs (a link opened and never closed rescans the rest of its
// line, an emphasis mark with no partner rescans every mark before it,
// each level of a block quote or list opened on one line rescans the
// levels outside it, a wide table pads every row to its width) and with
// the length of a paragraph for others. A post is measured in one pass
// before it is read, and rejected when what it would cost is more than
// linear in its size: every Markdown post is then read in time linear in
// its size.
const (
	// MaxMarkdownNesting is how many block quotes and lists one line of
	// Markdown may open inside each other.
	MaxMarkdownNesting = 32
	// MaxParagraph is the longest paragraph (text between blank lines,
	// outside fenced code and HTML blocks; each list item and table row is
	// one of its own), in bytes.
	MaxParagraph = 64 << 10
	// MaxParagraphLines is the most lines a paragraph may have: goldmark
	// goes back to a paragraph's first line each time a link or an
	// HTML tag that spans lines turns out not to be one.
	MaxParagraphLines = 1024
	// markdownCostPerByte and markdownCostFloor make a post's budget: the
	// units of work the constructs above may cost (about a nanosecond
	// each), per byte of its body, and on top for any post.
	markdownCostPerByte = 500
	markdownCostFloor   = 8 << 20
	tableCellCost       = 256 // a table cell costs what a few hundred bytes do
)

// Kinds of cost, for the message that rejects a post.
const (
	costLinks = iota
	costEmphasis
	costTable
	nCostKinds
)

var costNames = [nCostKinds]string{
	costLinks:    "links whose ( or < is never closed on their line (each is read again to the line's end)",
	costEmphasis: "* _ or ~ marks in one paragraph that do not pair up (each is matched against every mark before it)",
	costTable:    "table cells (rows times the columns of the header)",
}

// mdScan is the state of the measure of one body.
type mdScan struct {
	cost  [nCostKinds]int64
	limit int64
	worst [nCostKinds]int // line where each kind of cost grew most

	// The paragraph being read.
	paraStart  int   // its first line; 0 when between paragraphs
	paraBytes  int64 // its size
	delims     int64 // emphasis marks in it not matched yet
	tableCols  int64 // columns of the table it is, or 0
	paraIsHTML bool  // an HTML block: not parsed as Markdown inside

	fence []byte // the fence that opened the code block being read, or nil
}

// checkMarkdown measures a Markdown body whose first line is line firstLine
// of the file, and rejects it as path:line: too complex when reading it
// would cost more than linear time.
func (p *parser) checkMarkdown(body []byte, firstLine int) error {
	s := &mdScan{limit: markdownCostPerByte*int64(len(body)) + markdownCostFloor}
	line := firstLine
	for rest := body; len(rest) > 0; line++ {
		var l []byte
		l, rest = cutLine(rest)
		if err := s.line(p, l, line); err != nil {
			return err
		}
	}
	return nil
}

// over rejects the post when its cost is past the budget.
func (s *mdScan) over(p *parser) error {
	var total int64
	kind := 0
	for k, c := range s.cost {
		total = satAdd(total, c)
		if c > s.cost[kind] {
			kind = k
		}
	}
	if total <= s.limit {
		return nil
	}
	return p.fail(s.worst[kind], "too complex to read as Markdown: too many %s; close them, or split the text with blank lines", costNames[kind])
}

func (s *mdScan) add(kind int, c int64, line int) {
	if c > 0 {
		s.cost[kind] = satAdd(s.cost[kind], c)
		if s.worst[kind] == 0 || c > s.limit/8 {
			s.worst[kind] = line
		}
	}
}

func satAdd(a, b int64) int64 {
	if a > 1<<62 || b > 1<<62 {
		return 1 << 62
	}
	return a + b
}

func (s *mdScan) line(p *parser, l []byte, line int) error {
	depth, item, text := containers(l)
	if s.fence != nil {
		if t := bytes.TrimSpace(text); len(t) >= len(s.fence) && len(bytes.Trim(t, string(s.fence[:1]))) == 0 {
			s.fence = nil
		}
		return nil
	}
	if len(bytes.TrimSpace(l)) == 0 {
		s.endParagraph()
		return nil
	}
	if depth > MaxMarkdownNesting {
		return p.fail(line, "too complex to read as Markdown: block quotes and lists nested %d deep on one line (the limit is %d)", depth, MaxMarkdownNesting)
	}
	if f := fenceOf(text); f != nil {
		s.endParagraph()
		s.fence = f
		return nil
	}
	if s.tableCols > 0 || item {
		// A list item's or a table cell's text is a paragraph of its own.
		cols := s.tableCols
		s.endParagraph()
		s.tableCols = cols
	}
	if s.paraStart == 0 {
		s.paraStart = line
		s.paraIsHTML = isHTMLBlockStart(text)
	}
	s.paraBytes += int64(len(l)) + 1
	if s.paraIsHTML {
		return nil
	}
	if cols := tableDelimiterRow(text); cols > 0 {
		s.tableCols = cols
	} else if s.tableCols > 0 {
		s.add(costTable, s.tableCols*tableCellCost, line)
	}
	if isBreak(text) {
		return nil
	}
	s.add(costLinks, linkCost(text), line)
	var c int64
	s.delims, c = emphasisCost(text, s.delims)
	s.add(costEmphasis, c, line)
	if err := s.over(p); err != nil {
		return err
	}
	if s.paraBytes > MaxParagraph {
		return p.fail(s.paraStart, "too complex to read as Markdown: a paragraph of more than %d bytes; split it with blank lines", MaxParagraph)
	}
	if line-s.paraStart >= MaxParagraphLines {
		return p.fail(s.paraStart, "too complex to read as Markdown: a paragraph of more than %d lines; split it with blank lines", MaxParagraphLines)
	}
	return nil
}

// endParagraph closes the paragraph being read, if any.
func (s *mdScan) endParagraph() {
	s.paraStart, s.paraBytes, s.delims, s.tableCols, s.paraIsHTML = 0, 0, 0, 0, false
}

// containers counts the block quote and list markers that open a line,
// tells whether a list item is among them, and returns the rest of it.
func containers(l []byte) (depth int, item bool, rest []byte) {
	for {
		t := bytes.TrimLeft(l, " \t")
		switch {
		case len(t) > 0 && t[0] == '>':
			l = t[1:]
		case len(t) > 1 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && (t[1] == ' ' || t[1] == '\t'):
			l, item = t[2:], true
		default:
			n := 0
			for n < len(t) && n < 9 && t[n] >= '0' && t[n] <= '9' {
				n++
			}
			if n == 0 || n+1 >= len(t) || (t[n] != '.' && t[n] != ')') || (t[n+1] != ' ' && t[n+1] != '\t') {
				return depth, item, l
			}
			l, item = t[n+2:], true
		}
		depth++
	}
}

// fenceOf returns the ``` or ~~~ run that opens a fenced code block on l, or
// nil.
func fenceOf(l []byte) []byte {
	t := bytes.TrimLeft(l, " ")
	if len(l)-len(t) > 3 || len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return nil
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 || t[0] == '`' && bytes.IndexByte(t[n:], '`') >= 0 {
		return nil
	}
	return t[:n]
}

// isHTMLBlockStart reports whether l starts an HTML block, whose inside is
// not read as Markdown.
func isHTMLBlockStart(l []byte) bool {
	t := bytes.TrimLeft(l, " ")
	if len(l)-len(t) > 3 || len(t) < 2 || t[0] != '<' {
		return false
	}
	c := t[1]
	return c == '!' || c == '?' || c == '/' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isBreak reports whether l is a thematic break or a setext underline.
func isBreak(l []byte) bool {
	t := bytes.TrimSpace(l)
	if len(t) == 0 {
		return false
	}
	for _, c := range t {
		if c != t[0] && c != ' ' && c != '\t' {
			return false
		}
	}
	return t[0] == '-' || t[0] == '*' || t[0] == '_' || t[0] == '='
}

// tableDelimiterRow returns the number of columns of a GFM table's
// delimiter row (|---|:--:|), or 0 if l is not one.
func tableDelimiterRow(l []byte) int64 {
	t := bytes.TrimSpace(l)
	if bytes.IndexByte(t, '|') < 0 || bytes.IndexByte(t, '-') < 0 {
		return 0
	}
	for _, c := range t {
		if c != '|' && c != '-' && c != ':' && c != ' ' && c != '\t' {
			return 0
		}
	}
	t = bytes.TrimPrefix(bytes.TrimSuffix(t, []byte("|")), []byte("|"))
	return int64(bytes.Count(t, []byte("|")) + 1)
}

// linkCost is what the link destinations opened on l cost: each ]( is read
// to the end of its word (a destination has no spaces), each ](< to the
// end of the line.
func linkCost(l []byte) int64 {
	var cost int64
	for _, word := range bytes.FieldsFunc(l, isMarkdownSpace) {
		cost += int64(bytes.Count(word, []byte("](")) * len(word))
	}
	return cost + int64(bytes.Count(l, []byte("](<"))*len(l))
}

// emphasisCost is what the runs of *, _ and ~ on l cost, given the
// unmatched marks of the paragraph before it, and how many are unmatched
// after it. A run that can only close is taken to pair with the last open
// one; any other run (one that may open) is matched by goldmark against
// every unmatched mark before it.
func emphasisCost(l []byte, open int64) (int64, int64) {
	var cost int64
	for i := 0; i < len(l); {
		c := l[i]
		if c != '*' && c != '_' && c != '~' {
			i++
			continue
		}
		j := i
		for j < len(l) && l[j] == c {
			j++
		}
		prev, next := byte(' '), byte(' ')
		if i > 0 {
			prev = l[i-1]
		}
		if j < len(l) {
			next = l[j]
		}
		left := !isSpace(next) && (!isPunct(next) || isSpace(prev) || isPunct(prev))
		right := !isSpace(prev) && (!isPunct(prev) || isSpace(next) || isPunct(next))
		switch {
		case c == '_' && isWordByte(prev) && isWordByte(next), !left && !right:
		case right && !left && open > 0:
			open--
			cost++
		default:
			open++
			cost += open
		}
		i = j
	}
	return open, cost
}

func isSpace(c byte) bool { return util.IsSpace(c) }

// isMarkdownSpace is a rune goldmark takes for white space: ASCII only.
func isMarkdownSpace(r rune) bool { return r < 0x80 && util.IsSpace(byte(r)) }

func isPunct(c byte) bool { return c < 0x80 && c > ' ' && !isWordByte(c) }

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// String, for tests and messages.
func (s *mdScan) String() string {
	return fmt.Sprintf("links %d, emphasis %d, tables %d, limit %d", s.cost[costLinks], s.cost[costEmphasis], s.cost[costTable], s.limit)
}

// isMarkdown reports whether a post's body is Markdown, by its name.
func isMarkdown(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown":
		return true
	}
	return false
}
