package api

import (
	"bytes"
	"strconv"
	"sync"

	gojson "github.com/goccy/go-json"
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
	if err := encodeAnswer(buf, i, indent); err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	_, err := res.Write(buf.Bytes())
	return err
}

// encodeAnswer appends the JSON of v to buf, with a newline, as
// encoding/json's Encoder writes it: encodeFast. The API's tests encode every
// answer with encoding/json too and fail on any difference (see
// json_check_test.go).
var encodeAnswer = encodeFast

// encodeFast is github.com/goccy/go-json, which writes encoding/json's bytes
// in about half the time (a list of ten explained suggestions, about 30 KB,
// took a tenth of the service's CPU under load: BenchmarkEncodeSuggestions).
func encodeFast(buf *bytes.Buffer, v any, indent string) error {
	enc := gojson.NewEncoder(buf)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	return enc.Encode(v)
}
