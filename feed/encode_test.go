package feed

import (
	"bytes"
	"fmt"
	"testing"
)

// feedBody within its budget must give the bytes the format's own encoder gives.
func TestSpliceFeedSameBytes(t *testing.T) {
	bl, ch := benchFeed(t)
	for f := range formatList {
		for _, n := range []int{0, 1, 2, 50} {
			t.Run(fmt.Sprintf("%s/%d", formatList[f].name, n), func(t *testing.T) {
				parts := make([][]byte, n)
				for i := range parts {
					parts[i] = ch.items[i].encoding(f)
				}
				got, offs, err := bl.r.feedBody(ch, f, bl.r.feedURL(ch, &formatList[f]), ch.items, parts)
				if err != nil {
					t.Fatal(err)
				}
				want, err := formatList[f].feed(&bl.r.Config, ch, bl.r.feedURL(ch, &formatList[f]), parts)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("got %d bytes from feedBody, want the %d bytes of the encoder", len(got), len(want))
				}
				for i, off := range offs {
					if !bytes.Equal(got[off:off+len(parts[i])], parts[i]) {
						t.Errorf("item %d: got other bytes at offset %d, want the item's", i, off)
					}
				}
			})
		}
	}
}
