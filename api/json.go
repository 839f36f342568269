package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"
)

// wholeJSON is echo's JSON serializer with each answer encoded whole before
// it is written: one write of the body with its Content-Length, where
// writing as it encodes sent a suggestion list (tens of kilobytes) as a
// chunked body, one write to the connection every 4 KB. An answer that fails
// to encode writes nothing, and the error handler answers instead of a
// truncated body. The bytes of the body are those echo writes.
type wholeJSON struct{ echo.DefaultJSONSerializer }

// jsonBuffers holds the buffers answers are encoded into, so that the
// encoding of one answer does not grow a new buffer from nothing.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledJSON is the largest buffer put back: an export-sized answer is
// left to the collector rather than kept for the small ones.
const maxPooledJSON = 1 << 20

// Serialize encodes i as echo.DefaultJSONSerializer does, then writes it.
func (wholeJSON) Serialize(c echo.Context, i any, indent string) error {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledJSON {
			jsonBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(i); err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	_, err := res.Write(buf.Bytes())
	return err
}
