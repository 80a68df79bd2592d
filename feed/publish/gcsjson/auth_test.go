package gcsjson

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gocloud.dev/blob"
)

// tokenServer is Google's token endpoint for a service account key (a
// signed JWT) and a user's refresh token, checking what it is sent.
func tokenServer(t *testing.T, key *rsa.PrivateKey) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		tok := ""
		switch r.Form.Get("grant_type") {
		case "urn:ietf:params:oauth:grant-type:jwt-bearer":
			if claims := checkJWT(t, r.Form.Get("assertion"), &key.PublicKey); claims["iss"] == "feedpub@p.iam.gserviceaccount.com" && claims["scope"] == scope {
				tok = "sa-token"
			}
		case "refresh_token":
			if r.Form.Get("refresh_token") == "rt-1" && r.Form.Get("client_id") == "cid" && r.Form.Get("client_secret") == "cs" {
				tok = "user-token"
			}
		}
		if tok == "" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// checkJWT verifies an RS256 JWT and returns its claims.
func checkJWT(t *testing.T, jwt string, pub *rsa.PublicKey) map[string]any {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Errorf("not a JWT: %q", jwt)
		return nil
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	if err := verifyRS256(pub, parts[0]+"."+parts[1], sig); err != nil {
		t.Errorf("the JWT's signature: %v", err)
		return nil
	}
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(body, &claims)
	return claims
}

// authProxy forwards to the fake store the requests that carry want as
// their bearer token, and refuses the others as the store would.
func authProxy(t *testing.T, fake string, want *string) *httptest.Server {
	target, _ := url.Parse(fake)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ok := r.Header.Get("Authorization") == "Bearer "+*want
		// gcloud's user credentials bill their quota project
		ok = ok && (*want != "user-token") == (r.Header.Get("X-Goog-User-Project") == "")
		mu.Unlock()
		if !ok {
			http.Error(w, `{"error":{"code":401,"message":"Invalid Credentials","errors":[{"reason":"authError"}]}}`, http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCredentials: a service account key named by
// GOOGLE_APPLICATION_CREDENTIALS and gcloud's user credentials each get a
// token from the token endpoint and send it with every request.
func TestCredentials(t *testing.T) {
	fake := startFake(t, "feeds")
	os.Unsetenv("STORAGE_EMULATOR_HOST") // the store is reached with credentials, through authProxy
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	tokens := tokenServer(t, key)
	var want string
	proxy := authProxy(t, fake, &want)
	dir := t.TempDir()
	write := func(name string, v map[string]string) string {
		p := filepath.Join(dir, name)
		data, _ := json.Marshal(v)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sa := write("sa.json", map[string]string{"type": "service_account", "client_email": "feedpub@p.iam.gserviceaccount.com",
		"private_key": keyPEM, "private_key_id": "k1", "token_uri": tokens.URL})
	write("gcloud/application_default_credentials.json", map[string]string{"type": "authorized_user",
		"client_id": "cid", "client_secret": "cs", "refresh_token": "rt-1", "token_uri": tokens.URL, "quota_project_id": "billed"})
	cases := []struct{ name, adc, gcloud, token string }{
		{"service account", sa, filepath.Join(dir, "none"), "sa-token"},
		{"gcloud user", "", filepath.Join(dir, "gcloud"), "user-token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", c.adc)
			t.Setenv("CLOUDSDK_CONFIG", c.gcloud)
			want = c.token
			cr, err := findCreds(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			b := blob.NewBucket(newBucket("feeds", proxy.URL, cr.client(http.DefaultTransport)))
			defer b.Close()
			ctx := context.Background()
			if err := b.WriteAll(ctx, "rss.xml", []byte("<rss/>"), &blob.WriterOptions{ContentType: "application/rss+xml"}); err != nil {
				t.Fatal(err)
			}
			if got, err := b.ReadAll(ctx, "rss.xml"); err != nil || string(got) != "<rss/>" {
				t.Errorf("read %q, %v", got, err)
			}
			want = "another"
			if _, err := b.ReadAll(ctx, "rss.xml"); err == nil {
				t.Errorf("the proxy let a request with the wrong token through: the test checks nothing")
			}
		})
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(dir, "missing.json"))
	if _, err := findCreds(context.Background()); err == nil || !strings.Contains(err.Error(), "GOOGLE_APPLICATION_CREDENTIALS") {
		t.Errorf("a missing key file: %v", err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", write("ext.json", map[string]string{"type": "external_account"}))
	if _, err := findCreds(context.Background()); err == nil || !strings.Contains(err.Error(), "external_account") {
		t.Errorf("an unsupported kind of credentials: %v", err)
	}
}

func verifyRS256(pub *rsa.PublicKey, signed string, sig []byte) error {
	sum := sha256.Sum256([]byte(signed))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

// TestMetadataServer: with no key file and no gcloud credentials, on a
// Google Cloud machine (GCE_METADATA_HOST, as the metadata package is
// pointed at a local server), the token comes from the metadata server.
func TestMetadataServer(t *testing.T) {
	fake := startFake(t, "feeds")
	os.Unsetenv("STORAGE_EMULATOR_HOST")
	md := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata-Flavor") != "Google" || r.URL.Path != "/computeMetadata/v1/instance/service-accounts/default/token" ||
			r.URL.Query().Get("scopes") != scope {
			http.Error(w, "no", http.StatusNotFound)
			return
		}
		w.Header().Set("Metadata-Flavor", "Google")
		io.WriteString(w, `{"access_token":"md-token","expires_in":3599,"token_type":"Bearer"}`)
	}))
	defer md.Close()
	t.Setenv("GCE_METADATA_HOST", strings.TrimPrefix(md.URL, "http://"))
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "")
	t.Setenv("CLOUDSDK_CONFIG", t.TempDir())
	want := "md-token"
	proxy := authProxy(t, fake, &want)
	cr, err := findCreds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := blob.NewBucket(newBucket("feeds", proxy.URL, cr.client(http.DefaultTransport)))
	defer b.Close()
	if err := b.WriteAll(context.Background(), "rss.xml", []byte("<rss/>"), &blob.WriterOptions{ContentType: "application/rss+xml"}); err != nil {
		t.Fatal(err)
	}
}
