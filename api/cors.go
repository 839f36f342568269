package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Browsers on the configured origins may call the API (CORS), and nobody else:
// off by default. Keys travel in the Authorization header, never in cookies, so
// credentials are never allowed: a page of an allowed origin still needs a key
// of its own, and a page of any other origin cannot read the answers.

// ParseCORSOrigins reads a comma-separated list of origins
// (https://app.example.org, http://localhost:3000), or * for any origin.
func ParseCORSOrigins(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if f == "*" {
			out = append(out, f)
			continue
		}
		u, err := url.Parse(f)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("CORS origin %q: write scheme://host[:port], such as https://app.example.org", f)
		}
		out = append(out, strings.ToLower(u.Scheme+"://"+u.Host))
	}
	return out, nil
}

// corsExposed are the headers a browser script may read from an answer.
var corsExposed = []string{"ETag", echo.HeaderLocation, PositionHeader, echo.HeaderRetryAfter, echo.HeaderXRequestID,
	"Content-Language", "Idempotent-Replayed"}

// corsAllowed are the headers a browser script may send.
var corsAllowed = []string{echo.HeaderAuthorization, echo.HeaderContentType, "If-Match", "If-None-Match", "Idempotency-Key",
	PositionHeader, "Accept-Language"}

// cors is echo's CORS middleware for origins; nil when there are none.
func cors(origins []string) echo.MiddlewareFunc {
	if len(origins) == 0 {
		return nil
	}
	anyOrigin := slices.Contains(origins, "*")
	return middleware.CORSWithConfig(middleware.CORSConfig{
		// Exact origins: echo's AllowOrigins would read * and ? inside an
		// origin as wildcards.
		AllowOriginFunc: func(origin string) (bool, error) {
			return anyOrigin || slices.Contains(origins, strings.ToLower(origin)), nil
		},
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPatch, http.MethodDelete},
		AllowHeaders:  corsAllowed,
		ExposeHeaders: corsExposed,
		MaxAge:        600,
	})
}
