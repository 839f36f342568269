package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// headAsGet answers a HEAD as the GET of the same route would, without the
// body: the handler runs as for a GET, its body is counted and dropped, and the
// status and headers (Content-Length included) are those of the GET. Errors are
// answered here, so that a refused HEAD has the GET's problem headers too.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method != http.MethodHead {
			return next(c)
		}
		w := &headWriter{ResponseWriter: c.Response().Writer}
		c.Response().Writer = w
		if err := next(c); err != nil {
			c.Error(err)
		}
		w.finish()
		return nil
	}
}

// headWriter holds back the status of a HEAD until the body, which it drops, is
// complete, so that Content-Length can say how long the GET's body is.
type headWriter struct {
	http.ResponseWriter
	status int
	n      int
}

func (w *headWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *headWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}

func (w *headWriter) finish() {
	if w.status == 0 {
		return
	}
	h := w.ResponseWriter.Header()
	if h.Get(echo.HeaderContentLength) == "" && w.status >= 200 && w.status != http.StatusNoContent && w.status != http.StatusNotModified {
		h.Set(echo.HeaderContentLength, strconv.Itoa(w.n))
	}
	w.ResponseWriter.WriteHeader(w.status)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
