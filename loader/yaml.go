package loader

import (
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The YAML of front matter: parsed into nodes, checked for keys given twice
// and alias bombs, and yaml.v3's errors moved to the lines of the file.

// yaml parses the front matter into a node tree. A panic in the YAML
// library on some hostile input rejects the post instead of the program.
func (p *parser) yaml(front []byte) (doc *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, p.fail(p.fmLine, "malformed YAML front matter: %v", r)
		}
	}()
	doc = new(yaml.Node)
	if err := yaml.Unmarshal(front, doc); err != nil {
		return nil, p.yamlError(err)
	}
	return doc, nil
}

// checkKeys rejects a key given twice (yaml.v3 lets the last win silently
// when decoding to nodes) and front matter whose aliases would expand to
// more than maxExpanded nodes: a "billion laughs" bomb, or an alias to
// itself. The parser never expands aliases, but whoever reads the same
// file next might.
func (p *parser) checkKeys(root *yaml.Node) error {
	seen := make(map[string]*yaml.Node, len(root.Content)/2)
	var sizes map[*yaml.Node]int // a tree without aliases needs none: each node is counted once
	if hasAlias(root) {
		sizes = map[*yaml.Node]int{}
	}
	total := 0
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Kind == yaml.ScalarNode {
			key := strings.ToLower(k.Value)
			if first := seen[key]; first != nil {
				return p.fail(p.line(k), "%s given twice (first on line %d)", clip(k.Value, 40), p.line(first))
			}
			seen[key] = k
		}
		total += expanded(k, sizes) + expanded(root.Content[i+1], sizes)
		if total > maxExpanded {
			return p.fail(p.line(k), "%s: YAML aliases (*name) expand to more than %d values (an alias bomb?)", clip(k.Value, 40), maxExpanded)
		}
	}
	return nil
}

// hasAlias reports whether the tree of n holds an alias (*name).
func hasAlias(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode {
		return true
	}
	for _, c := range n.Content {
		if c != nil && hasAlias(c) {
			return true
		}
	}
	return false
}

// expanded counts the nodes n stands for with every alias expanded, up to
// just over maxExpanded; an alias inside its own anchor counts as too many.
// sizes memoizes shared nodes, so a bomb costs the size of its tree; nil
// for a tree without aliases.
func expanded(n *yaml.Node, sizes map[*yaml.Node]int) int {
	if n == nil {
		return 0
	}
	if s, ok := sizes[n]; ok {
		if s < 0 { // still being counted: a cycle
			return maxExpanded + 1
		}
		return s
	}
	if sizes == nil {
		s := 1
		for _, c := range n.Content {
			s += expanded(c, nil)
		}
		return min(s, maxExpanded+1)
	}
	sizes[n] = -1
	s := 1
	if n.Kind == yaml.AliasNode {
		s = expanded(n.Alias, sizes)
	}
	for _, c := range n.Content {
		if s > maxExpanded {
			break
		}
		s += expanded(c, sizes)
	}
	s = min(s, maxExpanded+1)
	sizes[n] = s
	return s
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlParserProblems are the messages of yaml.v3's parser (not its
// scanner), whose line numbers count from 0 (yaml.v3 decode.go, fail).
var yamlParserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// yamlError moves yaml.v3's line numbers, which count from the start of
// the YAML block, to lines of the file.
func (p *parser) yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := p.fmLine
	if strings.Contains(msg, "exceeded max depth") { // yaml.v3 stops at 10,000, before checkShape
		return p.fail(line, "front matter nests lists and mappings more than %d levels deep (the limit is %d)", MaxYAMLDepth, MaxYAMLDepth)
	}
	if m := yamlLine.FindStringSubmatchIndex(msg); m != nil {
		n, _ := strconv.Atoi(msg[m[2]:m[3]])
		msg = strings.TrimPrefix(msg[:m[0]]+msg[m[1]:], ": ")
		if yamlParserProblems[strings.TrimSpace(msg)] {
			n++ // yaml.v3 gives parser errors 0-based lines, scanner errors 1-based
		}
		line = p.fmLine + n - 1
	}
	return p.fail(line, "malformed YAML front matter: %s", strings.TrimSpace(msg))
}

func (p *parser) line(n *yaml.Node) int {
	if n == nil || n.Line == 0 {
		return p.fmLine
	}
	return p.fmLine + n.Line - 1
}
