package feed

import (
	"fmt"
	"html/template"
	"sync/atomic"

	"github.com/microcosm-cc/bluemonday"
)

// A renderer makes what readers see of items, for one configuration: their
// content prepared (sanitised, with absolute links), their feeds' bytes and
// their pages. It is safe for concurrent use; nothing in it changes once
// made, but the budget whole.
type renderer struct {
	Config                       // defaults filled
	policy    *bluemonday.Policy // the sanitiser of every post's HTML (newPolicy)
	postBase  pageBase           // the base of every post's page (makePostBase)
	postFrame *frame             // postBase's frame
	taxes     []int              // the taxonomies published, rows of taxonomyList in order
	tmpl      *template.Template // the pages' templates: the embedded ones, or Config.Templates over them
	// tmpl makes posts' pages, and feeds' pages, as the embedded
	// templates do: appendPostPage and appendChannelPage make them.
	fastPosts, fastChannels bool
	// whole, when not nil, is how many more bytes of content prepareKept
	// may keep as it is beside packed (BuildOnce, whose Site is written
	// once): the one field that changes once the renderer is made.
	whole *atomic.Int64
}

// newRenderer checks cfg, fills its defaults and makes a renderer for it.
func newRenderer(cfg Config) (*renderer, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	r := &renderer{Config: cfg, policy: newPolicy()}
	if r.taxes, err = taxonomiesOf(cfg.Taxonomies); err != nil {
		return nil, err
	}
	if r.tmpl, err = pageTemplatesOf(cfg.Templates); err != nil {
		return nil, err
	}
	// Before any execution escapes tmpl's trees:
	r.fastPosts, r.fastChannels = asEmbedded(r.tmpl, postTemplates), asEmbedded(r.tmpl, channelTemplates)
	if r.postBase, err = r.makePostBase(); err != nil {
		return nil, fmt.Errorf("feed: pages of posts: %w", err)
	}
	r.postFrame = r.postBase.Frame
	if cfg.Templates != nil {
		if err := r.trySample(); err != nil {
			return nil, err
		}
	}
	return r, nil
}
