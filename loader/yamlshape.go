package loader

import "gopkg.in/yaml.v3"

// Limits on the shape of front matter, each reported in its own words: a
// mapping nested thousands deep or a list of thousands of items is not an
// alias bomb.
const (
	// MaxYAMLDepth is how deep mappings and lists may nest in front matter.
	MaxYAMLDepth = 64
	// MaxYAMLValues is how many keys, items and values front matter may
	// hold, as written (aliases not expanded).
	MaxYAMLValues = 10000
)

// checkShape rejects front matter nested deeper than MaxYAMLDepth or
// holding more than MaxYAMLValues values. Aliases are not followed: what
// they expand to is checkKeys's to count.
func (p *parser) checkShape(root *yaml.Node) error {
	type at struct {
		n     *yaml.Node
		depth int
	}
	var room [64]at // a front matter's nodes, as a rule: the stack stays off the heap
	stack := append(room[:0], at{root, 1})
	count := 0
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if count++; count > MaxYAMLValues {
			return p.fail(p.line(top.n), "front matter holds more than %d keys, items and values (the limit is %d): a post needs a few dozen", MaxYAMLValues, MaxYAMLValues)
		}
		if top.depth > MaxYAMLDepth {
			return p.fail(p.line(top.n), "front matter nests lists and mappings more than %d levels deep (the limit is %d)", MaxYAMLDepth, MaxYAMLDepth)
		}
		for i := len(top.n.Content) - 1; i >= 0; i-- {
			stack = append(stack, at{top.n.Content[i], top.depth + 1})
		}
	}
	return nil
}
