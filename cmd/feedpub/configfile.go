package main

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// decode reads the YAML of the configuration file name into fc, key by
// key, so that a mistake is told in the user's terms and at its line: an
// unknown key names the keys valid there (and the nearest one), a value of
// the wrong kind says what kind is wanted. It records the line of each key
// set, for check's messages and for the paths relative to the file.
func (fc *fileConfig) decode(name string, data []byte) error {
	fc.file, fc.lines = name, map[string]int{}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 { // an empty file
		return nil
	}
	return fc.decodeMapping("", doc.Content[0], reflect.ValueOf(fc).Elem())
}

// decodeMapping decodes the mapping n into the struct v, whose keys are
// under section ("" for the top, "site" for site's).
func (fc *fileConfig) decodeMapping(section string, n *yaml.Node, v reflect.Value) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		what := "the configuration"
		if section != "" {
			what = "`" + section + "`"
		}
		return fmt.Errorf("%s:%d: %s is a list of keys and values (key: value), not %q", fc.file, n.Line, what, n.Value)
	}
	keys := yamlKeys(v.Type())
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		field, ok := keys[k.Value]
		if !ok {
			return fc.unknownKey(section, k, v.Type())
		}
		path := k.Value
		if section != "" {
			path = section + "." + k.Value
		}
		fc.lines[path] = k.Line
		fv := v.Field(field)
		if fv.Kind() == reflect.Struct {
			if err := fc.decodeMapping(path, val, fv); err != nil {
				return err
			}
			continue
		}
		if fv.Kind() == reflect.Slice {
			if err := fc.decodeList(path, val, fv); err != nil {
				return err
			}
			continue
		}
		if err := val.Decode(fv.Addr().Interface()); err != nil || val.Kind != yaml.ScalarNode {
			got := val.Value
			if val.Kind != yaml.ScalarNode {
				got = "a list or mapping"
			}
			return fmt.Errorf("%s:%d: %s: want %s, got %q", fc.file, val.Line, path, kindName(fv.Kind()), got)
		}
	}
	return nil
}

// decodeList decodes the list of names n into the []string v: a list
// ([a, b], or one name a line), or one name.
func (fc *fileConfig) decodeList(path string, n *yaml.Node, v reflect.Value) error {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	list := []string{} // empty, not nil: none
	for _, it := range items {
		if it.Kind != yaml.ScalarNode || it.Tag == "!!null" {
			return fmt.Errorf("%s:%d: %s: want a list of names, such as [categories, tags]", fc.file, it.Line, path)
		}
		list = append(list, it.Value)
	}
	v.Set(reflect.ValueOf(list))
	return nil
}

// unknownKey is the error for the key k, not one of t's.
func (fc *fileConfig) unknownKey(section string, k *yaml.Node, t reflect.Type) error {
	valid := yamlNames(t)
	where := "a configuration key"
	if section != "" {
		where = "a key of `" + section + "`"
	}
	msg := fmt.Sprintf("%s:%d: `%s` is not %s", fc.file, k.Line, k.Value, where)
	if near := nearest(k.Value, valid); near != "" {
		msg += fmt.Sprintf("; did you mean `%s`? valid: ", near)
	} else {
		msg += "; valid: "
	}
	return fmt.Errorf("%s%s", msg, strings.Join(valid, ", "))
}

// yamlKeys maps each yaml key of the struct type t to its field's index.
func yamlKeys(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

// yamlNames are the yaml keys of the struct type t, in its order.
func yamlNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// kindName is what a user writes for a value of kind k.
func kindName(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	}
	return "a text"
}

// nearest is the name in names closest to s (ignoring case, '-' and '_'),
// if it is close enough to be what was meant.
func nearest(s string, names []string) string {
	norm := func(s string) string { return strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(s)) }
	best, bestD := "", 3
	for _, n := range names {
		d := editDistance(norm(s), norm(n))
		if d < bestD && d <= len([]rune(n))/2 {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, with a swap of
// two neighbours counting as one edit.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
