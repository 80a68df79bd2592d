package gcsjson

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"cloud.google.com/go/compute/metadata"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"
)

// scope is what gocloud's gcsblob asks of Application Default
// Credentials.
const scope = "https://www.googleapis.com/auth/cloud-platform"

const defaultTokenURL = "https://oauth2.googleapis.com/token"

// creds are Application Default Credentials: a token source, the universe
// domain they belong to and the project billed for a user's requests.
type creds struct {
	ts           oauth2.TokenSource
	universe     string
	quotaProject string
}

// credsFile is the part of a credentials JSON file this package reads.
type credsFile struct {
	Type           string `json:"type"`
	ClientEmail    string `json:"client_email"`
	PrivateKey     string `json:"private_key"`
	PrivateKeyID   string `json:"private_key_id"`
	TokenURI       string `json:"token_uri"`
	ClientID       string `json:"client_id"`
	ClientSecret   string `json:"client_secret"`
	RefreshToken   string `json:"refresh_token"`
	QuotaProject   string `json:"quota_project_id"`
	UniverseDomain string `json:"universe_domain"`
}

// findCreds looks for Application Default Credentials where Google's
// clients look, in their order: the file GOOGLE_APPLICATION_CREDENTIALS
// names, gcloud's (`gcloud auth application-default login`), then the
// metadata server of a Google Cloud machine. It does what
// golang.org/x/oauth2/google does for service accounts and users without
// linking that package, which brings gRPC and OpenTelemetry with it.
func findCreds(ctx context.Context) (*creds, error) {
	if name := os.Getenv("GOOGLE_APPLICATION_CREDENTIALS"); name != "" {
		c, err := credsFromFile(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("GOOGLE_APPLICATION_CREDENTIALS: %w", err)
		}
		return c, nil
	}
	if name := gcloudFile(); name != "" {
		if _, err := os.Stat(name); err == nil {
			return credsFromFile(ctx, name)
		}
	}
	if metadata.OnGCEWithContext(ctx) {
		return &creds{ts: oauth2.ReuseTokenSource(nil, metadataTokens{})}, nil
	}
	return nil, errors.New("no Google Cloud credentials: set GOOGLE_APPLICATION_CREDENTIALS to a key file, " +
		"run `gcloud auth application-default login`, or run on Google Cloud")
}

// gcloudFile is where gcloud keeps the user's application default
// credentials.
func gcloudFile() string {
	const name = "application_default_credentials.json"
	if dir := os.Getenv("CLOUDSDK_CONFIG"); dir != "" {
		return filepath.Join(dir, name)
	}
	if runtime.GOOS == "windows" {
		return filepath.Join(os.Getenv("APPDATA"), "gcloud", name)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".config", "gcloud", name)
}

// credsFromFile reads a service account key or a user's refresh token.
func credsFromFile(ctx context.Context, name string) (*creds, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var f credsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	tokenURL := f.TokenURI
	if tokenURL == "" {
		tokenURL = defaultTokenURL
	}
	c := &creds{universe: f.UniverseDomain}
	switch f.Type {
	case "service_account":
		cfg := &jwt.Config{Email: f.ClientEmail, PrivateKey: []byte(f.PrivateKey), PrivateKeyID: f.PrivateKeyID,
			Scopes: []string{scope}, TokenURL: tokenURL}
		c.ts = cfg.TokenSource(ctx)
	case "authorized_user":
		cfg := &oauth2.Config{ClientID: f.ClientID, ClientSecret: f.ClientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}, Scopes: []string{scope}}
		c.ts = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: f.RefreshToken})
		c.quotaProject = f.QuotaProject
	default:
		return nil, fmt.Errorf("%s: credentials of type %q are not supported for gs:// (service_account and authorized_user are)", name, f.Type)
	}
	return c, nil
}

// metadataTokens are the access tokens of a Google Cloud machine's
// service account.
type metadataTokens struct{}

func (metadataTokens) Token() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, err := metadata.GetWithContext(ctx, "instance/service-accounts/default/token?scopes="+scope)
	if err != nil {
		return nil, fmt.Errorf("the metadata server's token: %w", err)
	}
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal([]byte(body), &t); err != nil || t.AccessToken == "" {
		return nil, fmt.Errorf("the metadata server's token: unreadable answer (%v)", err)
	}
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType,
		Expiry: time.Now().Add(time.Duration(t.ExpiresIn) * time.Second)}, nil
}

// client is an HTTP client that authorizes its requests with c.
func (c *creds) client(base http.RoundTripper) *http.Client {
	rt := &oauth2.Transport{Source: c.ts, Base: base}
	if c.quotaProject == "" {
		return &http.Client{Transport: rt}
	}
	return &http.Client{Transport: headerTransport{rt, "X-Goog-User-Project", c.quotaProject}}
}

// headerTransport sets a header on every request.
type headerTransport struct {
	base        http.RoundTripper
	name, value string
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return h.base.RoundTrip(r)
}
