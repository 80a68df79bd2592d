package validate

import "fmt"

// jsonFeed is JSON Feed 1.1 (https://jsonfeed.org/version/1.1): decoding
// rejects any field the spec does not name.
type jsonFeed struct {
	Version     string        `json:"version"`
	Title       string        `json:"title"`
	HomePageURL string        `json:"home_page_url"`
	FeedURL     string        `json:"feed_url"`
	Description string        `json:"description"`
	UserComment string        `json:"user_comment"`
	NextURL     string        `json:"next_url"`
	Icon        string        `json:"icon"`
	Favicon     string        `json:"favicon"`
	Authors     []jsonAuthor  `json:"authors"`
	Language    string        `json:"language"`
	Expired     bool          `json:"expired"`
	Hubs        []any         `json:"hubs"`
	Items       []jsonItemRaw `json:"items"`
}

type jsonAuthor struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Avatar string `json:"avatar"`
}

type jsonItemRaw struct {
	ID            *string      `json:"id"`
	URL           string       `json:"url"`
	ExternalURL   string       `json:"external_url"`
	Title         string       `json:"title"`
	ContentHTML   *string      `json:"content_html"`
	ContentText   *string      `json:"content_text"`
	Summary       string       `json:"summary"`
	Image         string       `json:"image"`
	BannerImage   string       `json:"banner_image"`
	DatePublished string       `json:"date_published"`
	DateModified  string       `json:"date_modified"`
	Authors       []jsonAuthor `json:"authors"`
	Tags          []string     `json:"tags"`
	Language      string       `json:"language"`
	Attachments   []any        `json:"attachments"`
}

func checkJSON(data []byte, opt Options) (*Feed, []error) {
	var doc jsonFeed
	if err := decodeJSON(data, &doc); err != nil {
		return nil, []error{fmt.Errorf("json: %w", err)}
	}
	// An id that is not a string fails to decode into *string above.
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("json: "+format, args...)) }
	if doc.Version != "https://jsonfeed.org/version/1.1" {
		bad("version %q", doc.Version)
	}
	if doc.Title == "" {
		bad("no title")
	}
	if err := CheckIRI(doc.HomePageURL, false); err != nil {
		bad("home_page_url: %v", err)
	}
	if doc.FeedURL != opt.SelfURL {
		bad("feed_url %q, want %q", doc.FeedURL, opt.SelfURL)
	}
	if opt.Language != "" && doc.Language != opt.Language {
		bad("language %q, want %q", doc.Language, opt.Language)
	}
	if len(doc.Authors) == 0 || doc.Authors[0].Name == "" {
		bad("no authors")
	}
	f := &Feed{Format: "json", Title: doc.Title, Self: doc.FeedURL}
	for i, x := range doc.Items {
		at := func(format string, args ...any) { bad("item %d: "+format, append([]any{i}, args...)...) }
		if x.ID == nil || *x.ID == "" {
			at("no id")
			continue
		}
		it := Item{ID: *x.ID, Title: x.Title, Link: x.URL, Categories: x.Tags}
		if x.ContentHTML == nil && x.ContentText == nil {
			at("neither content_html nor content_text")
		}
		if x.ContentHTML != nil {
			for _, err := range CheckHTML(*x.ContentHTML) {
				at("content_html: %v", err)
			}
		}
		for name, u := range map[string]string{"url": x.URL, "image": x.Image} {
			if u != "" {
				if err := CheckIRI(u, false); err != nil {
					at("%s: %v", name, err)
				}
			}
		}
		var err error
		if it.Published, err = parseRFC3339(x.DatePublished); err != nil {
			at("date_published: %v", err)
		}
		if it.Updated, err = parseRFC3339(x.DateModified); err != nil {
			at("date_modified: %v", err)
		}
		if len(x.Authors) == 0 || x.Authors[0].Name == "" {
			at("no authors")
		} else {
			it.Author = x.Authors[0].Name
		}
		for _, a := range x.Authors {
			if a.URL != "" {
				if err := CheckIRI(a.URL, false); err != nil {
					at("author url: %v", err)
				}
			}
		}
		f.Items = append(f.Items, it)
	}
	return f, errs
}
