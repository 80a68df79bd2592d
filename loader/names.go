package loader

import (
	"strings"
	"sync"
)

// names interns the names posts share (categories, tags, authors,
// languages): a folder of 100,000 posts names a few hundred, and each post
// holding its own copy of each would cost more than its title. The zero
// value is ready; it is safe for concurrent use.
type names struct {
	mu sync.Mutex
	m  map[string]string
}

// maxInterned is the longest name kept: longer ones are rarely shared.
const maxInterned = 128

// of returns the copy of s the table holds, made now if it has none.
func (n *names) of(s string) string {
	if s == "" || len(s) > maxInterned {
		return s
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if v, ok := n.m[s]; ok {
		return v
	}
	if n.m == nil {
		n.m = map[string]string{}
	}
	v := strings.Clone(s) // not a piece of a larger string the table would keep
	n.m[v] = v
	return v
}

// intern makes the names of p the table's.
func (rd *fileReader) intern(p *Post) {
	n := &rd.names
	for i, c := range p.Categories {
		p.Categories[i] = n.of(c)
	}
	for i, t := range p.Tags {
		p.Tags[i] = n.of(t)
	}
	p.Author.Name, p.Author.Email, p.Author.URL = n.of(p.Author.Name), n.of(p.Author.Email), n.of(p.Author.URL)
	p.Lang = n.of(p.Lang)
}
