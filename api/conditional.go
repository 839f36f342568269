package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// notModified answers 304 Not Modified to a GET or HEAD whose If-None-Match
// names the ETag the answer would carry (RFC 9110, section 13.1.2): the
// handler runs as usual, and its 200 is turned into a 304 without a body at
// the moment it is written, ETag kept. Every route that sets an ETag is
// covered without a check of its own; a route without one never answers 304.
func notModified(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		m := c.Request().Method
		inm := c.Request().Header.Get("If-None-Match")
		if inm == "" || (m != http.MethodGet && m != http.MethodHead) {
			return next(c)
		}
		res := c.Response()
		w := &notModifiedWriter{ResponseWriter: res.Writer, ifNoneMatch: inm}
		res.Writer = w
		defer func() { res.Writer = w.ResponseWriter }()
		err := next(c)
		if w.dropped {
			res.Status = http.StatusNotModified
		}
		return err
	}
}

// notModifiedWriter turns a 200 whose ETag If-None-Match names into a 304.
type notModifiedWriter struct {
	http.ResponseWriter
	ifNoneMatch string
	dropped     bool
}

func (w *notModifiedWriter) WriteHeader(status int) {
	h := w.Header()
	if status == http.StatusOK && noneMatchHits(w.ifNoneMatch, h.Get("ETag")) {
		// A 304 carries the headers a 200 would have (ETag, Vary,
		// Content-Language) but nothing about a body it does not have.
		h.Del(echo.HeaderContentType)
		h.Del(echo.HeaderContentLength)
		w.dropped = true
		w.ResponseWriter.WriteHeader(http.StatusNotModified)
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *notModifiedWriter) Write(b []byte) (int, error) {
	if w.dropped {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *notModifiedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// noneMatchHits reports whether an If-None-Match header names etag, with the
// weak comparison If-None-Match uses: W/"3" names "3" too; * names any.
func noneMatchHits(header, etag string) bool {
	if etag == "" {
		return false
	}
	etag = strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
